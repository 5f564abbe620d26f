"""Settings, read from the environment.

With no variables set the embedded default runs: SQLite file, DEBUG on, Celery tasks
executed in process, e-mail written to files. Setting SECRET_KEY switches to
production defaults (DEBUG off, secure cookies); see .env.example.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from ccus import schedules

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # the embedded default keeps its database, mail and files here
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PRODUCTION = "SECRET_KEY" in env
SECRET_KEY = env("SECRET_KEY", default="embedded-default-insecure-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "outreach.apps.BackOfficeAdminConfig",  # django.contrib.admin with the role's home page
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_celery_beat",
    "import_export",
    "ccus.third_party.AxesConfig",
    "django_otp",
    "ccus.third_party.TOTPConfig",
    "simple_history",
    "csp",
    "anymail",
    "registrations",
    "renewals",
    "outreach",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ccus.security.RequireOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ccus.urls"
WSGI_APPLICATION = "ccus.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'ccus.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default runs the web server and a worker on one file.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Counts failed logins and refuses locked-out ones before the password is checked.
    "ccus.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Logins: 5 failures for one username from one address lock that pair for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False
# Behind a reverse proxy every request comes from the proxy's address: name the header the proxies
# append the client's address to, and how many proxies there are, and lockouts (and the download log)
# count against the client's address (ccus.security.client_address). Off by default: REMOTE_ADDR only.
TRUSTED_PROXY_HEADER = env("TRUSTED_PROXY_HEADER", default="")
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
AXES_CLIENT_IP_CALLABLE = "ccus.security.client_address"

# Change history (django-simple-history) is a record: reverting would bypass the services' rules.
SIMPLE_HISTORY_REVERT_DISABLED = True

# A second factor (TOTP) for staff: on in production (SECRET_KEY set), off in the embedded default,
# so that `make run`'s demo logins work with a password; REQUIRE_OTP=true/false decides either way.
OTP_REQUIRED = env.bool("REQUIRE_OTP", default=PRODUCTION)
OTP_TOTP_ISSUER = "CCUS"
# Nobody, administrators included, can read another person's TOTP secret in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
# The project's catalogue first: it wins over locale_vendor/ (hand-kept Japanese for third-party apps).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# E-mail: files in the embedded default, SMTP (or any backend) in production.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CCUS事業者登録窓口 <ccus-desk@example.jp>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_REPLY_TO = env.list("EMAIL_REPLY_TO", default=[])
# Or a mail provider through django-anymail: its API sends, its tracking webhooks
# (/anymail/<provider>/tracking/) report deliveries, bounces and complaints.
EMAIL_PROVIDER_BACKENDS = {
    "mailgun": "anymail.backends.mailgun.EmailBackend",
    "postmark": "anymail.backends.postmark.EmailBackend",
}
EMAIL_PROVIDER = env("EMAIL_PROVIDER", default="")
if EMAIL_PROVIDER:
    if EMAIL_PROVIDER not in EMAIL_PROVIDER_BACKENDS:
        raise ImproperlyConfigured(f"EMAIL_PROVIDER must be one of {', '.join(EMAIL_PROVIDER_BACKENDS)}")
    EMAIL_BACKEND = EMAIL_PROVIDER_BACKENDS[EMAIL_PROVIDER]
# "user:password" the provider puts in the webhook URL (basic auth); every provider's webhook
# is refused without it (outreach.webhooks), and production with a provider will not start.
_webhook_secret = [secret for secret in env.list("ANYMAIL_WEBHOOK_SECRET", default=[]) if secret]
if PRODUCTION and EMAIL_PROVIDER and not _webhook_secret:
    raise ImproperlyConfigured("Set ANYMAIL_WEBHOOK_SECRET (user:password) for the mail provider's webhook.")
_provider_settings = {
    "WEBHOOK_SECRET": _webhook_secret,
    "MAILGUN_API_KEY": env("MAILGUN_API_KEY", default=""),
    "MAILGUN_SENDER_DOMAIN": env("MAILGUN_SENDER_DOMAIN", default=""),
    "MAILGUN_API_URL": env("MAILGUN_API_URL", default="https://api.mailgun.net/v3"),
    # Mailgun also signs each event (HMAC); the webhook checks that signature as well.
    "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
    "POSTMARK_SERVER_TOKEN": env("POSTMARK_SERVER_TOKEN", default=""),
}
# Unset ones left out: anymail then refuses, rather than signing with an empty key.
ANYMAIL = {name: value for name, value in _provider_settings.items() if value}
# Soft bounces (temporary failures) of distinct messages to one address since its last
# delivery, after which the address counts as bounced like a hard bounce.
OUTREACH_SOFT_BOUNCE_LIMIT = env.int("SOFT_BOUNCE_LIMIT", default=3)

# The desk's phone number, printed in notices and on postcards. No default: a made-up
# number must never reach a business (outreach/desk.py says what counts as a real one).
DESK_PHONE = env("DESK_PHONE", default="")

# The cache (the answer page's rate limits): Redis when CACHE_URL is set, else the Redis broker,
# else memory in the process (the embedded default).
CACHE_URL = env("CACHE_URL", default="") or (
    env("CELERY_BROKER_URL", default="") if env("CELERY_BROKER_URL", default="").startswith("redis") else ""
)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "ccus"}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Celery: Redis in production; without a broker, tasks run in process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # `make run`: a worker and beat on a broker that needs no server (kombu's filesystem transport).
    BROKER_DIR = VAR_DIR / "broker"
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
# Past one machine: one queue per kind of work, so each can get its own workers
# (`celery -A ccus worker -Q mail`). Off by default, where one worker takes everything.
CELERY_QUEUE_BY_KIND = env.bool("CELERY_QUEUE_BY_KIND", default=False)
TASK_QUEUES = schedules.TASK_QUEUES  # declared beside the periodic tasks
if CELERY_QUEUE_BY_KIND:
    CELERY_TASK_ROUTES = {name: {"queue": queue} for queue, names in TASK_QUEUES.items() for name in names}

# Admin uploads (imports) larger than this are refused with a message.
IMPORT_MAX_UPLOAD_MB = env.int("IMPORT_MAX_UPLOAD_MB", default=50)
# A previewed upload nobody confirmed is removed after this (registrations/import_uploads.py).
IMPORT_PENDING_MAX_HOURS = env.int("IMPORT_PENDING_MAX_HOURS", default=24)
# A UTF-8 CSV export up to this many rows streams; larger ones, CP932 and XLSX run as a task.
EXPORT_STREAM_MAX_ROWS = env.int("EXPORT_STREAM_MAX_ROWS", default=10_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "ccus.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Scripts only from our own files (or an inline block carrying the request's nonce); the
# admin's inline style attributes (urgency colours) are allowed, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"hide_operation_lines": {"()": "ccus.oplog.HideOperationLines"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # One line per task is noise when tasks run in process; workers log their own.
    "loggers": {"celery.app.trace": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
if not PRODUCTION:
    # The embedded default's console is read by a person: the JSON operation lines go to a file.
    (VAR_DIR / "log").mkdir(exist_ok=True)
    LOGGING["handlers"]["console"]["filters"] = ["hide_operation_lines"]
    LOGGING["handlers"]["operations"] = {
        "class": "logging.FileHandler",
        "filename": str(VAR_DIR / "log" / "operations.log"),
        "formatter": "plain",
        "encoding": "utf-8",
    }
    LOGGING["root"]["handlers"] = ["console", "operations"]

# The reminder ladder (outreach).
OUTREACH_SENDING_HOURS = (env.int("SENDING_HOUR_FROM", default=9), env.int("SENDING_HOUR_TO", default=18))
OUTREACH_SEND_ON_BUSINESS_DAYS_ONLY = env.bool("SEND_ON_BUSINESS_DAYS_ONLY", default=True)
OUTREACH_CALLING_HOURS = (env.int("CALLING_HOUR_FROM", default=9), env.int("CALLING_HOUR_TO", default=18))
# A call taken but not recorded for this long goes back to the queue for another operator.
OUTREACH_CALL_CLAIM_MINUTES = env.int("CALL_CLAIM_MINUTES", default=30)
# A callback is the promising operator's; this long after its time any operator may take it.
OUTREACH_CALLBACK_GRACE_MINUTES = env.int("CALLBACK_GRACE_MINUTES", default=15)
# No answer, and the next business day is after the expiry: call again this much later today.
OUTREACH_SAME_DAY_RETRY_MINUTES = env.int("SAME_DAY_RETRY_MINUTES", default=120)
# Notices the scan writes per channel and day (0 = no cap); the most urgent go first.
OUTREACH_DAILY_CAPS = {
    "email": env.int("DAILY_CAP_EMAIL", default=20_000),
    "postcard": env.int("DAILY_CAP_POSTCARD", default=10_000),
    "phone": env.int("DAILY_CAP_PHONE", default=400),
    "prime_list": env.int("DAILY_CAP_PRIME_LIST", default=0),
}
# E-mail notices queued longer than this are re-enqueued by the sweeper.
OUTREACH_REQUEUE_AFTER_MINUTES = env.float("REQUEUE_AFTER_MINUTES", default=10)
# A notice left in "sending" longer than this becomes "uncertain" for the desk to check.
OUTREACH_SENDING_TIMEOUT_MINUTES = env.float("SENDING_TIMEOUT_MINUTES", default=30)
OUTREACH_EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=5)
# Where a business renews; printed in notices.
RENEWAL_URL = env("RENEWAL_URL", default="https://www.ccus.jp/")

# Subcontractor renewal lists (outreach): how deep the link graph is walked.
SUBCONTRACTOR_LIST_MAX_DEPTH = env.int("SUBCONTRACTOR_LIST_MAX_DEPTH", default=10)
# When set, association staff are e-mailed a link to each new association list.
SUBCONTRACTOR_LIST_ANNOUNCE = env.bool("SUBCONTRACTOR_LIST_ANNOUNCE", default=False)
# The address the admin is reached at, for links in e-mails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# The answer page behind every notice (outreach/answer_links.py): the address its links are built
# on (the public host, which may differ from the admin's), how long a link works, how long past the
# date a business gives for its application the reminders wait, and how many requests one link
# and one client address may make in an hour.
ANSWER_PAGE_BASE_URL = env("ANSWER_PAGE_BASE_URL", default=SITE_URL)
ANSWER_LINK_MAX_AGE_DAYS = env.int("ANSWER_LINK_MAX_AGE_DAYS", default=120)
ANSWER_PAUSE_MARGIN_DAYS = env.int("ANSWER_PAUSE_MARGIN_DAYS", default=14)
ANSWER_RATE_PER_LINK = env.int("ANSWER_RATE_PER_LINK", default=30)
ANSWER_RATE_PER_ADDRESS = env.int("ANSWER_RATE_PER_ADDRESS", default=120)
# Postcards: the sender printed on the address side (a batch refuses to build without it,
# outreach/postcards/sender.py), the postage mark for plain stock (料金別納, 料金後納, or none
# for cards that already bear postage), and whether to draw the postal-code boxes (plain
# stock) or only the digits (cards with pre-printed boxes).
POSTCARD_SENDER_NAME = env("POSTCARD_SENDER_NAME", default="")
POSTCARD_SENDER_POSTAL_CODE = env("POSTCARD_SENDER_POSTAL_CODE", default="")
POSTCARD_SENDER_ADDRESS = env.list("POSTCARD_SENDER_ADDRESS", default=[])
POSTCARD_POSTAGE_MARK = env("POSTCARD_POSTAGE_MARK", default="")
POSTCARD_POST_OFFICE = env("POSTCARD_POST_OFFICE", default="")
POSTCARD_POSTAGE_APPROVAL = env("POSTCARD_POSTAGE_APPROVAL", default="")
POSTCARD_DRAW_POSTAL_BOXES = env.bool("POSTCARD_DRAW_POSTAL_BOXES", default=True)
# Monitoring (/health/): how old the worker's heartbeat, the sweeper's last run and the
# last finished scan may be before the service counts as unhealthy.
HEALTH_HEARTBEAT_MAX_AGE_MINUTES = env.float("HEALTH_HEARTBEAT_MAX_AGE_MINUTES", default=5)
HEALTH_SWEEP_MAX_AGE_MINUTES = env.float("HEALTH_SWEEP_MAX_AGE_MINUTES", default=15)
HEALTH_SCAN_MAX_AGE_HOURS = env.float("HEALTH_SCAN_MAX_AGE_HOURS", default=26)
# The dashboard shows a snapshot refreshed by a beat task; an older one is flagged on the page.
DASHBOARD_SNAPSHOT_MAX_AGE_MINUTES = env.float("DASHBOARD_SNAPSHOT_MAX_AGE_MINUTES", default=30)
# Weak segments: a segment with fewer observed terms is marked small and ranked after the measurable ones.
SEGMENT_MIN_TERMS = env.int("SEGMENT_MIN_TERMS", default=20)
# Holdout experiments (the effect report): what one contact costs, for the cost per extra renewal.
POSTAGE_YEN = env.float("POSTAGE_YEN", default=85)
CALL_MINUTES_PER_NOTICE = env.float("CALL_MINUTES_PER_NOTICE", default=6)
CALL_MINUTE_YEN = env.float("CALL_MINUTE_YEN", default=50)
