from django.db import migrations

from ccus import roles


def grant(apps, schema_editor):
    # Exporting the register is desk work; operators and association staff do not export (yet).
    exporters = [roles.DESK, roles.SUPERVISOR, roles.ADMINISTRATOR]
    roles.grant(apps, schema_editor, "registrations", {role: ["view_exportjob"] for role in exporters})


class Migration(migrations.Migration):
    dependencies = [("registrations", "0005_export_job")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
