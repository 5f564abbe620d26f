from django.db import migrations

from ccus import roles

GRANTS = {
    roles.DESK: [
        *roles.crud("notice", "reminderpolicy", "reminderstep", "noticetemplate", "scanrun", actions=("view",)),
        "send_reminder",
    ],
    roles.OPERATOR: roles.crud("notice", actions=("view",)),
    roles.SUPERVISOR: [
        *roles.crud("notice", "scanrun", actions=("view",)),
        *roles.crud("reminderpolicy", "reminderstep", "noticetemplate", actions=("view", "add", "change")),
        "send_reminder",
        "change_notice",
    ],
    roles.ADMINISTRATOR: [
        *roles.crud("notice", "reminderpolicy", "reminderstep", "noticetemplate", "scanrun"),
        "send_reminder",
    ],
}
BEAT_GRANTS = {
    roles.SUPERVISOR: roles.crud("periodictask", "crontabschedule", "intervalschedule", actions=("view",)),
    roles.ADMINISTRATOR: roles.crud("periodictask", "crontabschedule", "intervalschedule"),
}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "outreach", GRANTS)
    roles.grant(apps, schema_editor, "django_celery_beat", BEAT_GRANTS)


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    morning, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Tokyo"
    )
    every_five, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    PeriodicTask.objects.update_or_create(
        name="督促の日次スキャン (run_reminders)",
        defaults={"task": "outreach.tasks.run_reminders_task", "crontab": morning, "enabled": True},
    )
    PeriodicTask.objects.update_or_create(
        name="送信待ちの再投入 (sweep_outbox)",
        defaults={"task": "outreach.tasks.sweep_outbox_task", "interval": every_five, "enabled": True},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task__in=["outreach.tasks.run_reminders_task", "outreach.tasks.sweep_outbox_task"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0002_default_policy"),
        ("renewals", "0003_roles_and_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop), migrations.RunPython(schedule, unschedule)]
