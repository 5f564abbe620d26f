from datetime import date

from django.db import migrations

# 事業者登録料 in force since 2020-10-01 (DOMAIN.md), by capital band (registrations.CapitalBand).
FEES_2020 = [0, 6_000, 12_000, 24_000, 48_000, 60_000, 120_000, 240_000, 480_000, 600_000, 1_200_000, 2_400_000]


def seed(apps, schema_editor):
    FeeRate = apps.get_model("renewals", "FeeRate")
    FeeRate.objects.bulk_create(
        FeeRate(capital_band=band, effective_from=date(2020, 10, 1), amount=amount)
        for band, amount in enumerate(FEES_2020)
    )


class Migration(migrations.Migration):
    dependencies = [("renewals", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
