"""The register: who the businesses are, what they do, whom they belong to and work for."""

import datetime
import functools
import operator
from collections.abc import Collection

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from registrations import normalize, validation


class Prefecture(models.Model):
    code = models.CharField(_("JIS code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=10, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("prefecture")
        verbose_name_plural = _("prefectures")

    def __str__(self) -> str:
        return self.name


class Trade(models.Model):
    """One of the 29 trades of a construction permit (建設業許可 業種)."""

    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=30, unique=True)
    short_forms = models.CharField(
        _("short forms"), max_length=30, blank=True, help_text=_("Separated by spaces, e.g. 舗 ほ")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("trade")
        verbose_name_plural = _("trades")

    def __str__(self) -> str:
        return self.name


class TradeGroup(models.Model):
    """A named group of trades the plan targets, such as 設備 or 住宅."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    trades = models.ManyToManyField(Trade, related_name="groups", verbose_name=_("trades"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("trade group")
        verbose_name_plural = _("trade groups")

    def __str__(self) -> str:
        return self.name


class Association(models.Model):
    """A member association of the council (運営協議会)."""

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[validation.validate_association_code])
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("association")
        verbose_name_plural = _("associations")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        validation.check_single_line({"name": self.name}, {"name": self._meta.get_field("name").verbose_name})


class CapitalBand(models.IntegerChoices):
    """The fee table's bands (DOMAIN.md), lowest first."""

    SOLE_PROPRIETOR = 0, _("sole proprietor (一人親方)")
    UNDER_5M = 1, _("individual or under ¥5M")
    FROM_5M = 2, _("¥5M – under ¥10M")
    FROM_10M = 3, _("¥10M – under ¥20M")
    FROM_20M = 4, _("¥20M – under ¥50M")
    FROM_50M = 5, _("¥50M – under ¥100M")
    FROM_100M = 6, _("¥100M – under ¥300M")
    FROM_300M = 7, _("¥300M – under ¥1B")
    FROM_1B = 8, _("¥1B – under ¥5B")
    FROM_5B = 9, _("¥5B – under ¥10B")
    FROM_10B = 10, _("¥10B – under ¥50B")
    FROM_50B = 11, _("¥50B and over")

    @classmethod
    def for_capital(cls, capital: int | None, *, sole_proprietor: bool, individual: bool) -> "CapitalBand":
        if sole_proprietor:
            return cls.SOLE_PROPRIETOR
        if individual or capital is None:
            return cls.UNDER_5M
        lower_bounds = [5, 10, 20, 50, 100, 300, 1_000, 5_000, 10_000, 50_000]  # millions of yen
        band = cls.UNDER_5M
        for value, lower in zip(range(2, 12), lower_bounds, strict=True):
            if capital >= lower * 1_000_000:
                band = cls(value)
        return band


# One-line text fields in which a line break or an invisible character (U+202E, U+200B …) is refused.
TEXT_FIELDS = ["name", "name_kana", "representative", "contact_person", "address", "permit_number", "phone", "email"]


def either(lookups: list[str], value) -> Q:
    """Rows where any of `lookups` matches `value` (none when there are no lookups)."""
    return functools.reduce(operator.or_, (Q(**{lookup: value}) for lookup in lookups), Q(pk__in=[]))


class BusinessQuerySet(models.QuerySet):
    # What the search box can match, by the field a user must be allowed to see (the column it reads).
    SEARCH_NUMBERS = {"ccus_id": "ccus_id", "corporate_number": "corporate_number", "phone": "phone_digits"}
    SEARCH_NAMES = {"name": "name_key", "name_kana": "kana_key"}

    def search(self, query: str, fields: Collection[str] | None = None) -> "BusinessQuerySet":
        """Find businesses the way the desk types them: IDs, phone or name variants.

        Digits alone are an exact 事業者ID, 法人番号 or phone number (indexed equality).
        A name of three or more characters after normalisation matches anywhere in
        the name or reading (trigram index on PostgreSQL); shorter ones match the
        start of either key (a prefix index), since trigrams need three characters,
        and of the name alone when they hold a kanji.
        `fields` limits the match to those fields (a role's visible ones); None: all.
        """
        query = (query or "").strip()
        if not query:
            return self
        allowed = set(self.SEARCH_NUMBERS) | set(self.SEARCH_NAMES) if fields is None else set(fields)
        if normalize.is_number(query):
            number = normalize.digits(query)
            columns = [column for field, column in self.SEARCH_NUMBERS.items() if field in allowed]
            return self.filter(either(columns, number))
        key = normalize.search_key(query)
        keys = [column for field, column in self.SEARCH_NAMES.items() if field in allowed]
        if not key or not keys:
            return self.none()
        if len(key) < 3:
            if normalize.has_kanji(key):  # readings are kana: one prefix index, read index-only
                keys = [column for column in keys if column != "kana_key"]
            return self.filter(either([f"{column}__startswith" for column in keys], key))
        if len(keys) == len(self.SEARCH_NAMES):
            return self.filter(search_text__contains=key)
        return self.filter(either([f"{column}__contains" for column in keys], key))


class Business(models.Model):
    """A registered business (事業者)."""

    class EntityType(models.TextChoices):
        CORPORATION = validation.CORPORATION, _("corporation (法人)")
        INDIVIDUAL = validation.INDIVIDUAL, _("individual (個人)")

    ccus_id = models.CharField(
        _("business ID (事業者ID)"), max_length=14, unique=True, validators=[validation.validate_ccus_id]
    )
    corporate_number = models.CharField(
        _("corporate number (法人番号)"),
        max_length=13,
        blank=True,
        db_index=True,
        validators=[validation.validate_corporate_number],
    )
    entity_type = models.CharField(_("entity type"), max_length=12, choices=EntityType.choices)
    name = models.CharField(_("trade name (商号)"), max_length=200)
    name_kana = models.CharField(_("trade name reading (商号カナ)"), max_length=200, blank=True)
    is_sole_proprietor = models.BooleanField(_("sole proprietor (一人親方)"), default=False)
    capital = models.BigIntegerField(_("capital (yen)"), null=True, blank=True)
    capital_band = models.PositiveSmallIntegerField(_("capital band"), choices=CapitalBand.choices, editable=False)
    prefecture = models.ForeignKey(Prefecture, models.PROTECT, verbose_name=_("prefecture"))
    postal_code = models.CharField(
        _("postal code"), max_length=8, validators=[validation.validate_postal_code], help_text=_("7 digits")
    )
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    phone_digits = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("e-mail"), blank=True)
    representative = models.CharField(_("representative (代表者名)"), max_length=100, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    permit_number = models.CharField(_("construction permit number (建設業許可番号)"), max_length=60, blank=True)
    trades = models.ManyToManyField(Trade, blank=True, related_name="businesses", verbose_name=_("trades"))
    associations = models.ManyToManyField(
        Association, through="Membership", blank=True, related_name="members", verbose_name=_("associations")
    )
    registered_on = models.DateField(_("registered on"), validators=[validation.validate_not_in_future])
    expires_on = models.DateField(_("expires on (有効期限)"), db_index=True)

    # Contact flags: the date each was raised; empty when not set.
    do_not_email_since = models.DateField(_("do not e-mail since"), null=True, blank=True)
    do_not_call_since = models.DateField(_("do not call since"), null=True, blank=True)
    address_undeliverable_since = models.DateField(_("address undeliverable since"), null=True, blank=True)
    email_bounced_since = models.DateField(_("e-mail bounced since"), null=True, blank=True)
    phone_invalid_since = models.DateField(_("phone number wrong since"), null=True, blank=True)

    # Search keys, derived from the name and reading on every write (see derive_fields).
    name_key = models.CharField(max_length=200, editable=False, default="")
    kana_key = models.CharField(max_length=200, editable=False, default="")
    search_text = models.CharField(max_length=401, editable=False, default="")

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Who changed what and when, shown on the admin's history page (saves only, not bulk writes).
    history = HistoricalRecords(excluded_fields=["name_key", "kana_key", "search_text", "phone_digits"])

    objects = BusinessQuerySet.as_manager()

    # Which contact flag goes stale when which fields change.
    FLAG_SOURCES = {
        "email_bounced_since": ("email",),
        "address_undeliverable_since": ("postal_code", "prefecture_id", "address"),
        "phone_invalid_since": ("phone",),
    }

    class Meta:
        ordering = ["ccus_id"]
        verbose_name = _("business")
        verbose_name_plural = _("businesses")
        # Search indexes (trigram, prefix) are PostgreSQL-specific: see migration 0003.
        # updated_at: the daily scan syncs terms of businesses written since its last run.
        # lower(email): bounce lists and the mail provider's reports find businesses by address.
        # ccus_id with id and the search keys: a search's page walks 事業者ID order in the index alone,
        # matching the keys there without a heap visit (ccus.paginator.SearchCountPaginator).
        indexes = [
            models.Index(fields=["updated_at"], name="business_updated_idx"),
            models.Index(Lower("email"), name="business_email_lower_idx"),
            models.Index(
                fields=["ccus_id"],
                include=["id", "name_key", "kana_key", "search_text"],
                name="business_ccus_id_search_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ccus_id})"

    def save(self, *args, **kwargs) -> None:
        self.derive_fields(getattr(self, "_loaded_contact", None))
        super().save(*args, **kwargs)
        self._loaded_contact = {f: getattr(self, f) for fields in self.FLAG_SOURCES.values() for f in fields}

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_contact = {
            name: getattr(instance, name, None)
            for fields in cls.FLAG_SOURCES.values()
            for name in fields
            if name in field_names or name.removesuffix("_id") in field_names
        }
        return instance

    def clean(self) -> None:
        values = {name: getattr(self, name) for name in (*TEXT_FIELDS, *CLEAN_READS)}
        prefecture_name = self.prefecture.name if self.prefecture_id else None
        validation.check_business(values, prefecture_name, text_labels())

    def derive_fields(self, previous: dict | None = None) -> None:
        """Recompute derived columns; save() calls this (imports use `derived` on plain values)."""
        values = {name: getattr(self, name) for name in self.DERIVED_FROM}
        for name, value in self.derived(values, previous).items():
            setattr(self, name, value)

    # What the derived columns and the contact flags are computed from.
    DERIVED_FROM = (
        "name", "name_kana", "phone", "capital", "is_sole_proprietor", "entity_type", "email", "postal_code",
        "prefecture_id", "address",
    )  # fmt: skip

    @classmethod
    def derived(cls, values: dict, previous: dict | None = None) -> dict:
        """The derived columns of a business's values, and the contact flags to clear.

        `previous` holds the contact fields as they were stored: a contact flag is
        cleared when the data it is about has changed since.
        """
        derived = {
            **cls.search_columns(values["name"], values["name_kana"]),
            "phone_digits": normalize.digits(values["phone"]),
            "capital_band": int(
                CapitalBand.for_capital(
                    values["capital"],
                    sole_proprietor=values["is_sole_proprietor"],
                    individual=values["entity_type"] == cls.EntityType.INDIVIDUAL,
                )
            ),
        }
        if previous:
            for flag, fields in cls.FLAG_SOURCES.items():
                if any(f in previous and previous[f] != values[f] for f in fields):
                    derived[flag] = None
        return derived

    @staticmethod
    def search_columns(name: str, name_kana: str) -> dict[str, str]:
        """The search keys of a name and its reading (registrations.search_keys re-keys with it)."""
        name_key, kana_key = normalize.search_key(name), normalize.search_key(name_kana)
        return {"name_key": name_key, "kana_key": kana_key, "search_text": f"{name_key}\n{kana_key}"}

    def days_left(self, today: datetime.date | None = None) -> int:
        return (self.expires_on - (today or timezone.localdate())).days


# The other fields Business.clean() reads (the import validates them per row too).
CLEAN_READS = (
    "postal_code", "registered_on", "expires_on", "entity_type", "is_sole_proprietor", "corporate_number", "capital",
)  # fmt: skip


def text_labels() -> dict[str, str]:
    """Each one-line text field of a business and its label, for messages that name the field."""
    return {name: Business._meta.get_field(name).verbose_name for name in TEXT_FIELDS}


class Membership(models.Model):
    """A business's membership of an association."""

    business = models.ForeignKey(Business, models.CASCADE, related_name="memberships", verbose_name=_("business"))
    association = models.ForeignKey(
        Association, models.CASCADE, related_name="memberships", verbose_name=_("association")
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True, validators=[validation.validate_not_in_future])

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["business", "association"], name="membership_unique")]

    def __str__(self) -> str:
        return _("%(business)s, member of %(association)s") % {
            "business": self.business.name,
            "association": self.association.name,
        }


class SubcontractLink(models.Model):
    """A prime (元請) → subcontractor (下請) relation seen on site records."""

    class Source(models.TextChoices):
        SITE_RECORDS = "site", _("site records (施工体制)")
        ASSOCIATION = "association", _("association report")
        DESK = "desk", _("registration desk")

    prime = models.ForeignKey(
        Business, models.CASCADE, related_name="links_as_prime", verbose_name=_("prime contractor (元請)")
    )
    subcontractor = models.ForeignKey(
        Business, models.CASCADE, related_name="links_as_sub", verbose_name=_("subcontractor (下請)")
    )
    tier = models.PositiveSmallIntegerField(_("tier (次数)"), default=1, help_text=_("1 = direct subcontractor"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.SITE_RECORDS)
    last_seen_on = models.DateField(
        _("last seen on"), null=True, blank=True, validators=[validation.validate_not_in_future]
    )

    class Meta:
        verbose_name = _("subcontract link")
        verbose_name_plural = _("subcontract links")
        constraints = [
            models.UniqueConstraint(fields=["prime", "subcontractor"], name="link_unique_pair"),
            models.CheckConstraint(condition=~Q(prime=F("subcontractor")), name="link_not_self"),
            models.CheckConstraint(condition=Q(tier__gte=1), name="link_tier_positive"),
        ]
        indexes = [models.Index(fields=["subcontractor"], name="link_sub_idx")]

    def __str__(self) -> str:
        return _("%(prime)s → %(subcontractor)s (tier %(tier)s)") % {
            "prime": self.prime.name,
            "subcontractor": self.subcontractor.name,
            "tier": self.tier,
        }


class ExportJob(models.Model):
    """A file export built in the background, with its progress and its file."""

    class Format(models.TextChoices):
        CSV_UTF8 = "csv", _("CSV (UTF-8 with BOM)")
        CSV_CP932 = "csv_cp932", _("CSV (Shift_JIS / CP932, for Excel)")
        XLSX = "xlsx", _("Excel (XLSX)")

    class Status(models.TextChoices):  # a file being made: 作成待ち, not the 送信待ち of a notice
        QUEUED = "queued", pgettext_lazy("file job", "queued")
        RUNNING = "running", pgettext_lazy("file job", "running")
        DONE = "done", pgettext_lazy("file job", "done")
        FAILED = "failed", pgettext_lazy("file job", "failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("requested by")
    )
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    # The register list's query-string parameters ({name: [values]}), filtered again when the file is written
    # (registrations.changelist).
    params = models.JSONField(_("filters"), default=dict, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("rows expected"), default=0)
    written = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    problems = models.TextField(
        _("characters CP932 cannot hold"), blank=True, help_text=_("Row, column and character, one per line")
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.get_format_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def progress(self) -> int:
        """Percent done (100 once finished)."""
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.written * 100 // self.total) if self.total else 0


class DownloadLog(models.Model):
    """Every file of the register that left the system: who took it, when, and which file."""

    class Kind(models.TextChoices):
        STREAMED_EXPORT = "streamed_export", _("business export (streamed CSV)")
        EXPORT_FILE = "export_file", _("business export (file)")
        REPORT = "report", _("report")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file_name = models.CharField(_("file name"), max_length=200)
    export_job = models.ForeignKey(
        ExportJob, models.SET_NULL, null=True, blank=True, related_name="downloads", verbose_name=_("export")
    )
    address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("downloaded at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-downloaded_at"]
        verbose_name = _("download log entry")
        verbose_name_plural = _("download log")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.downloaded_at:%Y-%m-%d %H:%M})"
