"""The two run modes are chosen by the environment alone."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


PRODUCTION_VARIABLES = {
    "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "REQUIRE_OTP", "TRUSTED_PROXY_HEADER",
    "TRUSTED_PROXY_COUNT",
}  # fmt: skip


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in PRODUCTION_VARIABLES}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_deploy_check_passes_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="a-long-random-secret-key-for-the-deploy-check-0123456789abcdefghij",
        ALLOWED_HOSTS="ccus.example.jp",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_secret_key_turns_debug_off():
    code = "from django.conf import settings; print(settings.DEBUG, settings.CELERY_TASK_ALWAYS_EAGER)"
    result = run_manage("shell", "-v0", "-c", code, SECRET_KEY="x" * 60, ALLOWED_HOSTS="ccus.example.jp")
    assert result.stdout.split() == ["False", "True"]


def test_embedded_default_runs_tasks_in_process_and_writes_mail_to_files():
    code = "from django.conf import settings as s; print(s.DEBUG, s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)"
    result = run_manage("shell", "-v0", "-c", code, CELERY_BROKER_URL="")
    assert result.stdout.split() == ["True", "True", "django.core.mail.backends.filebased.EmailBackend"]


def test_queue_by_kind_routes_each_named_task_to_its_queue():
    script = (
        "from ccus.celery import app; from django.conf import settings; app.loader.import_default_modules(); "
        "names = [n for names in settings.TASK_QUEUES.values() for n in names]; "
        "missing = [n for n in names if n not in app.tasks]; "
        "print(missing, app.amqp.router.route({}, 'outreach.tasks.send_email_task')['queue'].name, "
        "app.amqp.router.route({}, 'outreach.tasks.run_reminders_task')['queue'].name)"
    )
    result = run_manage("shell", "-v", "0", "-c", script, CELERY_QUEUE_BY_KIND="true", CELERY_BROKER_URL="memory://")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "mail", "celery"]


def login_settings(**env) -> list[str]:
    code = (
        "from django.conf import settings as s; "
        "print(s.OTP_REQUIRED, repr(s.TRUSTED_PROXY_HEADER), s.TRUSTED_PROXY_COUNT)"
    )
    result = run_manage("shell", "-v0", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_requires_a_second_factor_unless_turned_off():
    production = {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "ccus.example.jp"}
    assert login_settings(**production) == ["True", "''", "1"]
    assert login_settings(**production, REQUIRE_OTP="false")[0] == "False"


def test_the_embedded_default_asks_no_second_factor_and_trusts_no_proxy_header():
    assert login_settings() == ["False", "''", "1"]
    assert login_settings(REQUIRE_OTP="true")[0] == "True"


def test_the_trusted_proxy_header_comes_from_the_environment():
    assert login_settings(TRUSTED_PROXY_HEADER="X-Forwarded-For", TRUSTED_PROXY_COUNT="2")[1:] == [
        "'X-Forwarded-For'",
        "2",
    ]


def test_a_mail_provider_is_chosen_by_the_environment():
    code = "from django.conf import settings as s; print(s.EMAIL_BACKEND, sorted(s.ANYMAIL))"
    result = run_manage(
        "shell", "-v0", "-c", code, EMAIL_PROVIDER="postmark", POSTMARK_SERVER_TOKEN="t", ANYMAIL_WEBHOOK_SECRET="a:b"
    )
    assert result.stdout.split() == [
        "anymail.backends.postmark.EmailBackend",
        "['MAILGUN_API_URL',",
        "'POSTMARK_SERVER_TOKEN',",
        "'WEBHOOK_SECRET']",
    ]


def test_production_with_a_provider_refuses_to_start_without_the_webhook_secret():
    production = {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "ccus.example.jp", "EMAIL_PROVIDER": "mailgun"}
    for unset in ({}, {"ANYMAIL_WEBHOOK_SECRET": ""}):
        result = run_manage("check", **production, **unset)
        assert result.returncode != 0
        assert "Set ANYMAIL_WEBHOOK_SECRET" in result.stderr


def test_an_unknown_provider_is_refused():
    result = run_manage("check", EMAIL_PROVIDER="sendmail-in-a-box")
    assert result.returncode != 0
    assert "EMAIL_PROVIDER must be one of mailgun, postmark" in result.stderr
