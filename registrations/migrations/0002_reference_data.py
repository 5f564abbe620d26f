from django.db import migrations

from registrations.reference import PREFECTURES, TRADE_GROUPS, TRADES


def seed(apps, schema_editor):
    Prefecture = apps.get_model("registrations", "Prefecture")
    Trade = apps.get_model("registrations", "Trade")
    TradeGroup = apps.get_model("registrations", "TradeGroup")
    Prefecture.objects.bulk_create([Prefecture(code=code, name=name) for code, name in PREFECTURES])
    Trade.objects.bulk_create(
        [Trade(code=code, name=name, short_forms=" ".join(short)) for code, name, short in TRADES]
    )
    for group_name, trade_names in TRADE_GROUPS.items():
        group = TradeGroup.objects.create(name=group_name)
        group.trades.set(Trade.objects.filter(name__in=trade_names))


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
