"""Re-key the register for the spelling equivalences of issue 23 (normalize.EQUIVALENCES).

Counters and connectors in place names (霞ヶ浦 = 霞が浦), dashes typed for the long
vowel (センタ－ = センター) and more variant kanji (𠮷 = 吉). Only rows whose keys
change are written, set-based (registrations.search_keys); the search indexes of
0003 stay as they are and serve the new keys.

On PostgreSQL `search_text` then gets a finer statistics target and is analysed: with
the default, a name held by a thousand businesses of a million was estimated at six
thousand, and the changelist's `ORDER BY ccus_id LIMIT 100` walked the 事業者ID index
through tens of thousands of rows (200 ms) instead of reading the trigram index's
matches (18 ms).
"""

from django.db import migrations

from registrations.search_keys import rekey

STATISTICS_TARGET = 1000


def rekey_register(apps, schema_editor):
    rekey()


def set_statistics(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"ALTER TABLE registrations_business ALTER COLUMN search_text SET STATISTICS {target}")
        schema_editor.execute("ANALYZE registrations_business (search_text)")

    return run


class Migration(migrations.Migration):
    dependencies = [("registrations", "0014_business_email_lower_index")]
    operations = [
        migrations.RunPython(rekey_register, migrations.RunPython.noop),
        migrations.RunPython(set_statistics(STATISTICS_TARGET), set_statistics(-1)),
    ]
