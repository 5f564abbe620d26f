from django.db import migrations

from ccus import roles

GRANTS = {
    roles.DESK: roles.crud("business", "membership", "subcontractlink", actions=("view", "add", "change"))
    + roles.crud("association", "prefecture", "trade", "tradegroup", actions=("view",)),
    roles.OPERATOR: roles.crud("business", "association", actions=("view",)),
    roles.SUPERVISOR: roles.crud("business", "membership", "subcontractlink")
    + roles.crud("association", "tradegroup", actions=("view", "add", "change"))
    + roles.crud("prefecture", "trade", actions=("view",)),
    roles.ASSOCIATION_STAFF: roles.crud("business", actions=("view",)),
    roles.ADMINISTRATOR: roles.crud("business", "membership", "subcontractlink", "association", "trade", "tradegroup")
    + roles.crud("prefecture", actions=("view", "change")),
}


def grant(apps, schema_editor):
    roles.grant(apps, schema_editor, "registrations", GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0003_search_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
