from django.db import migrations

from ccus import roles

GRANTS = {
    roles.DESK: roles.crud("term", "feerate", actions=("view",))
    + roles.crud("renewalcase", actions=("view", "add", "change")),
    roles.OPERATOR: roles.crud("term", "renewalcase", actions=("view",)),
    roles.SUPERVISOR: roles.crud("term", actions=("view",))
    + roles.crud("renewalcase", actions=("view", "add", "change"))
    + roles.crud("feerate", actions=("view", "add", "change")),
    roles.ADMINISTRATOR: roles.crud("term", "renewalcase", "feerate"),
}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "renewals", GRANTS)


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="0", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Tokyo"
    )
    PeriodicTask.objects.update_or_create(
        name="失効の記録 (mark_lapsed)",
        defaults={"task": "renewals.tasks.mark_lapsed_task", "crontab": nightly, "enabled": True},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task="renewals.tasks.mark_lapsed_task").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0002_fee_schedule"),
        ("registrations", "0004_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop), migrations.RunPython(schedule, unschedule)]
