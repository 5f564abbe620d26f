"""Issue 11's review of the roles: records of what happened are not edited or deleted by hand.

Notices, calls, scans, terms and renewal applications are facts the contact timeline, the
effect report and the audit rely on; the services write them. Operators do not need the
association list.
"""

from django.db import migrations

from ccus import roles

REVOKE = {
    "outreach": {
        roles.ADMINISTRATOR: [
            "delete_notice",
            *roles.crud("scanrun", actions=("add", "change", "delete")),
            *roles.crud("callattempt", actions=("add", "change", "delete")),
        ]
    },
    "renewals": {roles.ADMINISTRATOR: ["delete_term", "delete_renewalcase"]},
    "registrations": {roles.OPERATOR: ["view_association"]},
}


def revoke(apps, schema_editor):
    for app_label, revocations in REVOKE.items():
        roles.revoke(apps, schema_editor, app_label, revocations)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0006_history_issue11"),
        ("renewals", "0004_history_issue11"),
        ("registrations", "0009_security_roles"),
    ]
    operations = [migrations.RunPython(revoke, migrations.RunPython.noop)]
