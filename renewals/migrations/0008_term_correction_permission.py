"""Correcting a registration's dates is a supervisor's action (renewals/corrections.py)."""

from django.db import migrations

from ccus import roles

GRANTS = {roles.SUPERVISOR: ["correct_term"], roles.ADMINISTRATOR: ["correct_term"]}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "renewals", GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("renewals", "0007_dates_not_in_future"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="term",
            options={
                "ordering": ["business", "-starts_on"],
                "permissions": [("correct_term", "Can correct a registration's dates, with a reason")],
                "verbose_name": "registration term",
                "verbose_name_plural": "registration terms",
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
