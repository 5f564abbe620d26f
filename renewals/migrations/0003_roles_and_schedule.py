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


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0002_fee_schedule"),
        ("registrations", "0004_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        # The periodic task once created here is declared in ccus/schedules.py (outreach 0022 installs it).
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
