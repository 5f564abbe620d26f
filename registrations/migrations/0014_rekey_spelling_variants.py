"""Re-key the register for the spelling equivalences of issue 23 (normalize.EQUIVALENCES).

Counters and connectors in place names (霞ヶ浦 = 霞が浦), dashes typed for the long
vowel (センタ－ = センター) and more variant kanji (𠮷 = 吉). Only rows whose keys
change are written, set-based (registrations.search_keys); the search indexes of
0003 stay as they are and serve the new keys.
"""

from django.db import migrations

from registrations.search_keys import rekey


def rekey_register(apps, schema_editor):
    rekey()


class Migration(migrations.Migration):
    dependencies = [("registrations", "0013_exportjob_params")]
    operations = [migrations.RunPython(rekey_register, migrations.RunPython.noop)]
