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


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0002_default_policy"),
        ("renewals", "0003_roles_and_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        # The periodic task once created here is declared in ccus/schedules.py (outreach 0022 installs it).
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
