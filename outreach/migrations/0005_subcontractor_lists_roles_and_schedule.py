from django.db import migrations

from ccus import roles

LISTS = ("subcontractorlist", "subcontractorlistrow", "listdelivery")
GRANTS = {
    # Association staff: their lists and rows (scoped by outreach.scoping), nothing to change.
    roles.ASSOCIATION_STAFF: roles.crud("subcontractorlist", "subcontractorlistrow", actions=("view",)),
    roles.DESK: [*roles.crud(*LISTS, actions=("view",)), "add_subcontractorlist"],
    roles.OPERATOR: roles.crud("subcontractorlist", "subcontractorlistrow", actions=("view",)),
    roles.SUPERVISOR: [
        *roles.crud(*LISTS, actions=("view",)),
        "add_subcontractorlist",
        *roles.crud("associationstaff"),
    ],
    roles.ADMINISTRATOR: roles.crud(*LISTS, "associationstaff"),
}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "outreach", GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0004_subcontractor_lists"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
        # The periodic task once created here is declared in ccus/schedules.py (outreach 0022 installs it).
        migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop),
    ]
