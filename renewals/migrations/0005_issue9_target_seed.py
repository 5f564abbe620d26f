from django.db import migrations

from ccus import roles

GRANTS = {
    roles.DESK: roles.crud("target", actions=("view",)),
    roles.SUPERVISOR: roles.crud("target", actions=("view", "add", "change")),
    roles.ADMINISTRATOR: roles.crud("target"),
}


def seed(apps, schema_editor):
    """The FY2025 plan: 32,000 renewals and 15,000 new registrations (without 一人親方), fees 898,215,000 yen."""
    apps.get_model("renewals", "Target").objects.update_or_create(
        fiscal_year=2025, defaults={"renewals": 32_000, "new_registrations": 15_000, "fee_budget": 898_215_000}
    )
    roles.grant(apps, schema_editor, "renewals", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("renewals", "0004_issue9_targets")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
