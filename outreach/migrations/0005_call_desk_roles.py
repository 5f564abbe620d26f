from django.db import migrations

from ccus import roles

GRANTS = {
    roles.OPERATOR: [*roles.crud("calltask", "callattempt", actions=("view",)), "take_call"],
    roles.DESK: [
        *roles.crud("bounce", actions=("view", "add")),
        *roles.crud("renewalcheck", actions=("view", "change")),
        *roles.crud("calltask", "callattempt", actions=("view",)),
    ],
    roles.SUPERVISOR: [
        *roles.crud("bounce", actions=("view", "add")),
        *roles.crud("renewalcheck", actions=("view", "change")),
        *roles.crud("calltask", "callattempt", "callstats", "effectreport", actions=("view",)),
        "take_call",
    ],
    roles.ADMINISTRATOR: [
        *roles.crud("calltask", "callattempt", "bounce", "renewalcheck"),
        *roles.crud("callstats", "effectreport", actions=("view",)),
        "take_call",
    ],
}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "outreach", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("outreach", "0004_call_desk_bounces_timeline")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
