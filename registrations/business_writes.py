"""Writing an import's businesses: COPY and set-based SQL on PostgreSQL, bulk ORM elsewhere.

Both writers take the same plan per chunk (full rows of column values, the trades to
set, the memberships to add) and leave the same rows behind; tests hold them to it.

On PostgreSQL each chunk is COPYed into temporary staging tables; `finish` then
writes the whole file in four statements: one INSERT … SELECT … ON CONFLICT (ccus_id)
DO UPDATE for the businesses, whose returned rows go into their history in the same
statement, then the trades to replace, the trades to add and the memberships to add,
all joined on 事業者ID. The staging tables live in the import's
transaction, so a file with a bad row leaves nothing behind.
"""

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from ccus.bulk import insert_rows
from ccus.history import CHANGED, CREATED, REASON_LENGTH, history_insert, history_record_keys
from registrations.models import Business, Membership

TRADES = Business.trades.through._meta.db_table
# Every column but the primary key, in the table's order.
COLUMNS = [f.column for f in Business._meta.concrete_fields if not f.primary_key]
# Columns an import sets on an existing business (never created_at, contact_person or do_not_* flags).
UPDATED_COLUMNS = [
    "corporate_number", "entity_type", "name", "name_kana", "representative", "capital", "is_sole_proprietor",
    "postal_code", "prefecture_id", "address", "phone", "email", "permit_number", "registered_on", "expires_on",
    "capital_band", "phone_digits", "name_key", "kana_key", "search_text", *Business.FLAG_SOURCES, "updated_at",
]  # fmt: skip


@dataclass
class BusinessWrite:
    """What one row writes: the business's full row, and its trades and new memberships."""

    values: dict  # column → value, every column of COLUMNS (and "id" for an existing business)
    trades: set[str] | None  # the trade codes to set; None leaves them as they are
    added_associations: set[int]


class OrmWriter:
    """bulk_create / bulk_update per chunk: the embedded mode's SQLite, and any other database."""

    def __init__(self):
        # The 事業者ID written, for their history rows once the whole file is in.
        self.written: dict[str, list[str]] = {CREATED: [], CHANGED: []}

    def write(self, plans: list[BusinessWrite]) -> None:
        for plan in plans:
            self.written[CHANGED if "id" in plan.values else CREATED].append(plan.values["ccus_id"])
        pairs = [(Business(**p.values), p) for p in plans]
        created = [b for b, p in pairs if "id" not in p.values]
        Business.objects.bulk_create(created)
        if any(b.pk is None for b in created):  # a database that cannot return the new keys
            pks = dict(Business.objects.filter(ccus_id__in=[b.ccus_id for b in created]).values_list("ccus_id", "pk"))
            for business in created:
                business.pk = pks[business.ccus_id]
        fields = [c.removesuffix("_id") for c in UPDATED_COLUMNS]
        Business.objects.bulk_update([b for b, p in pairs if "id" in p.values], fields)
        through = Business.trades.through
        through.objects.filter(business_id__in=[b.pk for b, p in pairs if _replaces_trades(p)]).delete()
        through.objects.bulk_create(
            [through(business_id=b.pk, trade_id=code) for b, p in pairs for code in p.trades or ()]
        )
        Membership.objects.bulk_create(
            [Membership(business_id=b.pk, association_id=pk) for b, p in pairs for pk in p.added_associations],
            ignore_conflicts=True,
        )

    def finish(self, *, operation: str, user=None) -> None:
        """Each business as written, into its history: who imported which file."""
        for history_type, ccus_ids in self.written.items():
            history_record_keys(
                Business, ccus_ids, field="ccus_id", operation=operation, user=user, history_type=history_type
            )


STAGING = """
CREATE TEMPORARY TABLE import_business AS SELECT {columns} FROM registrations_business WITH NO DATA;
ALTER TABLE import_business ADD COLUMN trades_replaced boolean NOT NULL DEFAULT false;
CREATE TEMPORARY TABLE import_business_trade (ccus_id varchar(14), trade_id varchar(2));
CREATE TEMPORARY TABLE import_membership (ccus_id varchar(14), association_id bigint);
"""
FINISH = [
    # The row count and the join keys are what the plans below need; the other columns'
    # statistics (names, addresses, search text) cost most of a whole-table ANALYZE.
    "ANALYZE import_business (ccus_id, trades_replaced)",
    # Each business as written, into its history (who imported which file): created where
    # the row is new (xmax = 0: no earlier version of the row was replaced).
    """WITH src AS (
         INSERT INTO registrations_business ({columns}) SELECT {columns} FROM import_business
         ON CONFLICT (ccus_id) DO UPDATE SET {updates}
         RETURNING registrations_business.*, registrations_business.xmax = 0 AS is_new
       ) {history}""",
    f"""DELETE FROM {TRADES} bt USING import_business s, registrations_business b
        WHERE s.trades_replaced AND b.ccus_id = s.ccus_id AND bt.business_id = b.id""",
    f"""INSERT INTO {TRADES} (business_id, trade_id)
        SELECT b.id, s.trade_id FROM import_business_trade s JOIN registrations_business b USING (ccus_id)""",
    """INSERT INTO registrations_membership (business_id, association_id)
       SELECT b.id, s.association_id FROM import_membership s JOIN registrations_business b USING (ccus_id)
       ON CONFLICT (business_id, association_id) DO NOTHING""",
    "DROP TABLE import_business, import_business_trade, import_membership",
]


class CopyWriter:
    """COPY into staging tables per chunk; the register itself is written once, by `finish`."""

    def __init__(self):
        self.staged = False

    def write(self, plans: list[BusinessWrite]) -> None:
        if not self.staged:
            with connection.cursor() as cursor:
                cursor.execute(STAGING.format(columns=", ".join(COLUMNS)))
            self.staged = True
        insert_rows(
            "import_business",
            [*COLUMNS, "trades_replaced"],
            ([*map(p.values.__getitem__, COLUMNS), _replaces_trades(p)] for p in plans),
        )
        insert_rows(
            "import_business_trade",
            ["ccus_id", "trade_id"],
            ((p.values["ccus_id"], code) for p in plans for code in p.trades or ()),
        )
        insert_rows(
            "import_membership",
            ["ccus_id", "association_id"],
            ((p.values["ccus_id"], association) for p in plans for association in p.added_associations),
        )

    def finish(self, *, operation: str, user=None) -> None:
        if not self.staged:
            return
        names = {
            "columns": ", ".join(COLUMNS),
            "updates": ", ".join(f"{c} = EXCLUDED.{c}" for c in UPDATED_COLUMNS),
            "history": history_insert(Business, f"CASE WHEN src.is_new THEN '{CREATED}' ELSE '{CHANGED}' END"),
        }
        with connection.cursor() as cursor:
            for statement in FINISH:
                sql = statement.format(**names)
                if "{history}" in statement:
                    cursor.execute(sql, [timezone.now(), operation[:REASON_LENGTH], getattr(user, "pk", None)])
                else:
                    cursor.execute(sql)


def _replaces_trades(plan: BusinessWrite) -> bool:
    return plan.trades is not None and "id" in plan.values


def writer_for_connection(*, orm: bool = False) -> CopyWriter | OrmWriter:
    """COPY on PostgreSQL; the ORM elsewhere, or when asked (the tests compare both)."""
    return CopyWriter() if connection.vendor == "postgresql" and not orm else OrmWriter()
