from django.db import migrations

from ccus import roles

LISTS = ("subcontractorlist", "subcontractorlistrow", "listdelivery")
GRANTS = {
    # Association staff: their lists and rows (scoped by outreach.scoping), nothing to change.
    roles.ASSOCIATION_STAFF: roles.crud("subcontractorlist", "subcontractorlistrow", actions=("view",)),
    roles.DESK: [*roles.crud(*LISTS, actions=("view",)), "add_subcontractorlist"],
    roles.OPERATOR: roles.crud("subcontractorlist", "subcontractorlistrow", actions=("view",)),
    roles.SUPERVISOR: [
        *roles.crud(*LISTS, actions=("view",)),
        "add_subcontractorlist",
        *roles.crud("associationstaff"),
    ],
    roles.ADMINISTRATOR: roles.crud(*LISTS, "associationstaff"),
}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "outreach", GRANTS)


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    monthly, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="5", day_of_week="*", day_of_month="1", month_of_year="*", timezone="Asia/Tokyo"
    )
    # One row fans out to one list (and one build task) per association, including
    # associations added later; to build one association alone, add a row with args ["CODE"].
    PeriodicTask.objects.update_or_create(
        name="下請更新状況リストの月次作成 (build_association_lists)",
        defaults={"task": "outreach.tasks.build_association_lists_task", "crontab": monthly, "enabled": True},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task="outreach.tasks.build_association_lists_task"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0004_subcontractor_lists"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop), migrations.RunPython(schedule, unschedule)]
