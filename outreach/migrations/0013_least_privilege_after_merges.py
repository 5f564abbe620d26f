"""Issue 11's least-privilege review, applied to the features merged after it.

Postcards, returned mail, subcontractor lists, the dashboard, segments, committee reports
and the morning check granted their own permissions before the review; this takes back
what a role does not need:

- The desk builds, downloads, posts and cancels print batches, records returned mail,
  requests and downloads subcontractor lists and opens the morning check. The dashboard,
  the yearly targets and the saved segment lists (bulk exports of phone numbers) are the
  supervisors'.
- Operators see returned mail (an address the call must confirm); they need no lists.
- Tying a user to an association decides what that user may see: only administrators,
  who manage the users, do it.
- Returned mail, print batches with the postcards they left out, list rows and list
  deliveries are records of what happened (the contact timeline and the audit rely on
  them); the services write them, nobody changes or deletes them by hand. Pages that are
  switched off for everyone keep no permission either (changing returned mail, a built
  list or a committee report).
"""

from django.db import migrations

from ccus import roles

REVOKE = {
    "outreach": {
        roles.DESK: ["view_dashboard", "view_segmentlist", "change_returnedmail"],
        roles.OPERATOR: ["view_subcontractorlist", "view_subcontractorlistrow"],
        roles.SUPERVISOR: [*roles.crud("associationstaff"), "change_returnedmail"],
        roles.ADMINISTRATOR: [
            "delete_postcardbatch",
            *roles.crud("postcardexclusion", actions=("add", "change", "delete")),
            "change_returnedmail",
            "delete_returnedmail",
            "change_subcontractorlist",
            "delete_subcontractorlist",
            *roles.crud("subcontractorlistrow", "listdelivery", actions=("add", "change", "delete")),
            "change_committeereport",
        ],
    },
    "renewals": {roles.DESK: ["view_target"]},
}


def revoke(apps, schema_editor):
    for app_label, revocations in REVOKE.items():
        roles.revoke(apps, schema_editor, app_label, revocations)


def grant_back(apps, schema_editor):
    for app_label, grants in REVOKE.items():
        roles.grant(apps, schema_editor, app_label, grants)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0012_history_after_merges"),
        ("renewals", "0006_merge_access"),
    ]
    operations = [migrations.RunPython(revoke, grant_back)]
