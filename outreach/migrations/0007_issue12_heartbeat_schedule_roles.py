from django.db import migrations

from ccus import roles

GRANTS = {
    roles.DESK: ["view_morningcheck"],
    roles.SUPERVISOR: ["view_morningcheck"],
    roles.ADMINISTRATOR: ["view_morningcheck"],
}
HEARTBEAT = "ワーカーの稼働確認 (heartbeat)"


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "outreach", GRANTS)


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=HEARTBEAT, defaults={"task": "outreach.tasks.heartbeat_task", "interval": every_minute, "enabled": True}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=HEARTBEAT).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0006_issue12_heartbeat_morning_check"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop), migrations.RunPython(schedule, unschedule)]
