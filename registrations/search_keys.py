"""Re-keying the register when the spelling equivalences (normalize.EQUIVALENCES) change.

The register is read in batches of primary keys; only the rows whose keys differ are
staged (COPY into a temporary table on PostgreSQL, batched INSERT elsewhere) and then
written by one UPDATE … FROM. Contact flags, history and `updated_at` are untouched:
a new key is not a change of the business.
"""

from django.db import connection

from ccus.bulk import insert_rows
from registrations.models import Business

BATCH = 20_000
TABLE = Business._meta.db_table
STAGED = "rekey_business"
COLUMNS = ["id", "name_key", "kana_key", "search_text"]
READ = f"SELECT id, name, name_kana, name_key, kana_key FROM {TABLE} WHERE id > %s ORDER BY id LIMIT %s"
WRITE = f"""UPDATE {TABLE} AS b SET name_key = r.name_key, kana_key = r.kana_key, search_text = r.search_text
FROM {STAGED} AS r WHERE b.id = r.id"""


def rekey(*, everything: bool = False, batch_size: int = BATCH) -> tuple[int, int]:
    """Recompute every business's search keys; returns (rows read, rows rewritten).

    `everything` rewrites the rows whose keys are already current too (the worst
    case, which the benchmark measures).
    """
    read = rewritten = last = 0
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGED} (id bigint, name_key text, kana_key text, search_text text)")
        while True:
            cursor.execute(READ, [last, batch_size])
            rows = cursor.fetchall()
            if not rows:
                break
            read += len(rows)
            last = rows[-1][0]
            rewritten += insert_rows(STAGED, COLUMNS, _changed(rows, everything))
        cursor.execute(WRITE)
        cursor.execute(f"DROP TABLE {STAGED}")
    return read, rewritten


def _changed(rows: list[tuple], everything: bool):
    """(id, name_key, kana_key, search_text) of the rows whose stored keys are not the current ones."""
    for pk, name, name_kana, name_key, kana_key in rows:
        keys = Business.search_columns(name, name_kana)
        if everything or (keys["name_key"], keys["kana_key"]) != (name_key, kana_key):
            yield pk, keys["name_key"], keys["kana_key"], keys["search_text"]
