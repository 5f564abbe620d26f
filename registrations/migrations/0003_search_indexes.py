"""Indexes matching the SQL that BusinessQuerySet.search runs.

On PostgreSQL: a trigram GIN index for `search_text LIKE '%key%'` (3+ characters) and
text_pattern_ops B-trees for `name_key/kana_key LIKE 'key%'` (1–2 characters). SQLite,
the embedded default, gets plain B-trees.
"""

from django.db import migrations

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX business_search_trgm ON registrations_business USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX business_name_key_prefix ON registrations_business (name_key text_pattern_ops)",
    "CREATE INDEX business_kana_key_prefix ON registrations_business (kana_key text_pattern_ops)",
]
OTHER = [
    "CREATE INDEX business_name_key_prefix ON registrations_business (name_key)",
    "CREATE INDEX business_kana_key_prefix ON registrations_business (kana_key)",
]
DROP = ["business_search_trgm", "business_name_key_prefix", "business_kana_key_prefix"]


def create(apps, schema_editor):
    for statement in POSTGRES if schema_editor.connection.vendor == "postgresql" else OTHER:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    for name in DROP:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registrations", "0002_reference_data")]
    operations = [migrations.RunPython(create, drop)]
