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


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "outreach", GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0004_postcards_and_returned_mail"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        # The periodic task once created here is declared in ccus/schedules.py (outreach 0022 installs it).
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
