"""Who runs holdout experiments: supervisors create and edit them, the desk sees them and may
contact one business despite an experiment (an override, kept with its reason)."""

from django.db import migrations

from ccus import roles

OVERRIDE = roles.crud("holdoutoverride", actions=("view", "add"))
GRANTS = {
    roles.DESK: [*roles.crud("experiment", actions=("view",)), *OVERRIDE],
    roles.SUPERVISOR: [*roles.crud("experiment", actions=("view", "add", "change")), *OVERRIDE],
    roles.ADMINISTRATOR: [*roles.crud("experiment"), *OVERRIDE],
}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "outreach", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("outreach", "0026_holdout_experiments")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
