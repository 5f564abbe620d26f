"""A covering index for a search's page, and finer statistics for the name prefixes (issue 23).

The business list shows a search's matches in 事業者ID order, 50 or 100 at a time. For a
name held by thousands of businesses the page walked the 事業者ID index and read the heap
row of every candidate it rejected (18,000 rows for 佐藤建設 at 1M); with the search keys
in an index on ccus_id the walk reads the index alone (ccus.paginator.SearchCountPaginator
asks for the page's keys first). The prefix keys get the statistics target search_text got
in 0015: with the default, 星ヶ (5,684 names) was estimated at 62 and its page sorted them all.
"""

from django.db import migrations, models

STATISTICS_TARGET = 1000
PREFIX_KEYS = ["name_key", "kana_key"]


def set_statistics(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in PREFIX_KEYS:
            schema_editor.execute(f"ALTER TABLE registrations_business ALTER COLUMN {column} SET STATISTICS {target}")
        schema_editor.execute(f"ANALYZE registrations_business ({', '.join(PREFIX_KEYS)})")

    return run


class Migration(migrations.Migration):
    dependencies = [("registrations", "0015_rekey_spelling_variants")]

    operations = [
        migrations.AddIndex(
            model_name="business",
            index=models.Index(
                fields=["ccus_id"],
                include=("id", "name_key", "kana_key", "search_text"),
                name="business_ccus_id_search_idx",
            ),
        ),
        migrations.RunPython(set_statistics(STATISTICS_TARGET), set_statistics(-1)),
    ]
