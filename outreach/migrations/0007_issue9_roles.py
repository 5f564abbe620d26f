from django.db import migrations

from ccus import roles

GRANTS = {
    roles.DESK: [*roles.crud("dashboard", actions=("view",)), *roles.crud("segmentlist", actions=("view",))],
    roles.SUPERVISOR: [
        *roles.crud("dashboard", actions=("view",)),
        *roles.crud("segmentlist", actions=("view", "add", "delete")),
        *roles.crud("committeereport", actions=("view", "add")),
    ],
    roles.ADMINISTRATOR: [
        *roles.crud("dashboard", actions=("view",)),
        *roles.crud("segmentlist", "committeereport"),
    ],
}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "outreach", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("outreach", "0006_issue9_dashboard")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
