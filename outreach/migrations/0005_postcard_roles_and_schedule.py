from django.db import migrations

from ccus import roles

GRANTS = {
    roles.DESK: [
        *roles.crud("postcardbatch", "returnedmail", actions=("view", "add", "change")),
        "view_postcardexclusion",
    ],
    roles.OPERATOR: ["view_returnedmail"],
    roles.SUPERVISOR: [
        *roles.crud("postcardbatch", "returnedmail", actions=("view", "add", "change")),
        "view_postcardexclusion",
    ],
    roles.ADMINISTRATOR: roles.crud("postcardbatch", "postcardexclusion", "returnedmail"),
}
TASK = "outreach.tasks.weekly_postcard_batch_task"


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "outreach", GRANTS)


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    monday, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="8", day_of_week="1", day_of_month="*", month_of_year="*", timezone="Asia/Tokyo"
    )
    PeriodicTask.objects.update_or_create(
        name="はがき印刷バッチの作成（毎週月曜） (build_postcard_batch)",
        defaults={"task": TASK, "crontab": monday, "enabled": True},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0004_postcards_and_returned_mail"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop), migrations.RunPython(schedule, unschedule)]
