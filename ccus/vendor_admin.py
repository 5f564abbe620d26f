"""Admin pages of third-party models, in Japanese where the library leaves English that gettext cannot reach.

- Periodic tasks (django-celery-beat): the schedule column and the crontab's "human readable" text, which
  the library writes in English (cron-descriptor), read as 毎日 0:30, 毎週 月曜 8:00, 毎月 1日 5:00.
- Schedules: the tasks using one listed with a Japanese "task" column (the library's is a plain English name).
- Crontabs: the time zone is chosen from Japan time and UTC, not from 600 English zone names.
- Authenticator apps (django-otp TOTP): the fields named and explained in Japanese.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import (
    ClockedScheduleAdmin,
    CrontabScheduleAdmin,
    IntervalScheduleAdmin,
    PeriodicTaskAdmin,
    PeriodicTaskInline,
    SolarScheduleAdmin,
)
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin

from ccus.stale_schedules import StaleScheduleFilter

WEEKDAYS = "日月火水木金土日"  # cron: 0 and 7 are Sunday
TIME_ZONES = [("Asia/Tokyo", _("Japan time (Asia/Tokyo)")), ("UTC", _("Coordinated Universal Time (UTC)"))]


def _listed(value: str, names=None) -> str | None:
    """ "1,15" as 1・15 (or with `names`), None for anything else than plain numbers."""
    parts = value.split(",")
    if not all(part.isdigit() for part in parts):
        return None
    return "・".join(names[int(part)] if names else part for part in parts)


def crontab_in_words(crontab) -> str:
    """The crontab as a clerk reads it; the cron fields themselves where it is not a plain time."""
    minute, hour = crontab.minute, crontab.hour
    if minute.isdigit() and hour.isdigit():
        time = f"{int(hour)}:{int(minute):02d}"
    elif minute.startswith("*/") and minute[2:].isdigit() and hour == "*":
        time = gettext("every %(minutes)s minutes") % {"minutes": minute[2:]}
    else:
        return gettext("minute %(minute)s, hour %(hour)s, day %(day)s, month %(month)s, weekday %(weekday)s") % {
            "minute": minute,
            "hour": hour,
            "day": crontab.day_of_month,
            "month": crontab.month_of_year,
            "weekday": crontab.day_of_week,
        }
    days = gettext("every day")
    weekdays = _listed(crontab.day_of_week, WEEKDAYS) if crontab.day_of_week != "*" else None
    monthdays = _listed(crontab.day_of_month) if crontab.day_of_month != "*" else None
    if weekdays:
        days = gettext("every week on %(weekdays)s") % {"weekdays": weekdays}
    elif monthdays:
        days = gettext("every month on day %(days)s") % {"days": monthdays}
    months = _listed(crontab.month_of_year) if crontab.month_of_year != "*" else None
    if months:
        days = gettext("in month %(months)s, %(days)s") % {"months": months, "days": days}
    return f"{days} {time}（{crontab.timezone}）"


class JapanesePeriodicTaskAdmin(PeriodicTaskAdmin):
    change_form_template = None  # the library's page script hides the crontab's text and adds English to it
    list_display = ("name", "enabled", "schedule_in_words", "start_time", "last_run_at", "one_off")
    # Not "task": its title is English only. The first: what the supervisor's home page links to.
    list_filter = [StaleScheduleFilter, "enabled", "one_off", "start_time", "last_run_at"]

    @admin.display(description=_("Schedule"))
    def schedule_in_words(self, obj):
        if obj.crontab:
            return crontab_in_words(obj.crontab)
        return str(obj.interval or obj.solar or obj.clocked or "")

    @admin.display(description=_("When it runs"))
    def crontab_translation(self, obj):
        return crontab_in_words(obj.crontab) if obj.crontab else ""

    @admin.display(description=_("Task"))
    def task_name(self, obj):
        return obj.task

    def get_fieldsets(self, request, obj=None):
        """Who only reads the task sees its name once, not the two entry fields (registered / custom) of the form."""
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        first = [name for name in fieldsets[0][1]["fields"] if name not in ("regtask", "task")]
        first.insert(1, "task_name")
        return [(fieldsets[0][0], {**fieldsets[0][1], "fields": first}), *fieldsets[1:]]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "task_name"]


class JapanesePeriodicTaskInline(PeriodicTaskInline):
    fields = readonly_fields = ("name", "task_name", "args", "kwargs")

    @admin.display(description=_("Task"))
    def task_name(self, obj):
        return obj.task


class CrontabForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONES)


class JapaneseIntervalScheduleAdmin(IntervalScheduleAdmin):
    inlines = [JapanesePeriodicTaskInline]


class JapaneseSolarScheduleAdmin(SolarScheduleAdmin):
    inlines = [JapanesePeriodicTaskInline]


class JapaneseClockedScheduleAdmin(ClockedScheduleAdmin):
    inlines = [JapanesePeriodicTaskInline]


class JapaneseCrontabScheduleAdmin(CrontabScheduleAdmin):
    inlines = [JapanesePeriodicTaskInline]
    form = CrontabForm
    list_display = ("__str__", "in_words")
    fields = ("in_words", "minute", "hour", "day_of_month", "month_of_year", "day_of_week", "timezone")
    readonly_fields = ("in_words",)

    @admin.display(description=_("When it runs"))
    def in_words(self, obj):
        return crontab_in_words(obj) if obj.pk else ""


class JapaneseTOTPDeviceAdmin(TOTPDeviceAdmin):
    list_display = ["holder", "device_name", "created", "last_used", "is_confirmed"]
    list_filter = []
    search_help_text = _("Search by user name or e-mail address")

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": ["holder", "device_name", "is_confirmed", "created", "last_used", "failures"]})]

    def get_readonly_fields(self, request, obj=None):
        return ["holder", "device_name", "is_confirmed", "created", "last_used", "failures"]

    @admin.display(description=_("User"), ordering="user__username")
    def holder(self, obj):
        return obj.user

    @admin.display(description=_("Name of the device"))
    def device_name(self, obj):
        return obj.name

    @admin.display(description=_("Set up"), boolean=True)
    def is_confirmed(self, obj):
        return obj.confirmed

    @admin.display(description=_("Registered at"), ordering="created_at")
    def created(self, obj):
        return obj.created_at

    @admin.display(description=_("Last used at"), ordering="last_used_at")
    def last_used(self, obj):
        return obj.last_used_at or "—"

    @admin.display(description=_("Wrong codes in a row"))
    def failures(self, obj):
        return obj.throttling_failure_count
