from django.db import migrations

from ccus import roles


def grant(apps, schema_editor):
    # Everyone who may see the register may export what they see and follow their exports.
    roles.grant(apps, schema_editor, "registrations", {role: ["view_exportjob"] for role in roles.ALL_ROLES})


class Migration(migrations.Migration):
    dependencies = [("registrations", "0005_export_job")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
