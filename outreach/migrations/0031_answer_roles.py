"""Who handles the businesses' answers: the desk, supervisors and administrators see the queue,
confirm or reject answers and revoke a notice's answer links. Answers are records of what a
business said: nobody adds, edits or deletes one by hand (the services write them)."""

from django.db import migrations

from ccus import roles

HANDLERS = ["view_answer", "decide_answer", "view_answerlinkrevocation", "add_answerlinkrevocation"]
GRANTS = {roles.DESK: HANDLERS, roles.SUPERVISOR: HANDLERS, roles.ADMINISTRATOR: HANDLERS}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "outreach", GRANTS)


def revoke(apps, schema_editor):
    roles.revoke(apps, schema_editor, "outreach", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("outreach", "0030_business_answers")]
    operations = [migrations.RunPython(grant, revoke)]
