from django.db import migrations

from ccus import roles

GRANTS = {
    roles.DESK: ["view_morningcheck"],
    roles.SUPERVISOR: ["view_morningcheck"],
    roles.ADMINISTRATOR: ["view_morningcheck"],
}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "outreach", GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0006_issue12_heartbeat_morning_check"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        # The periodic task once created here is declared in ccus/schedules.py (outreach 0022 installs it).
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
