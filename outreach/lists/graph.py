"""Subcontractors reachable from primes: one breadth-first expansion for every list at once.

All lists built together (every association's, or one prime's) share one expansion per
filter: the primes of every list go into a temporary table `list_root (list_id, root)`,
and the graph is walked tier by tier with set-based INSERT … SELECT statements into a
temporary table `list_reach (root, node, distance)` keyed on (root, node). A pair is
inserted at the first tier that reaches it, so its distance is the shortest one (diamonds
and shared subcontractors are walked once per pair); the walk never steps back into where
it started and stops when a tier adds nothing or at MAX_DEPTH, so cycles end. The list of
every subcontractor walks down from the primes; a list filtered on expiry walks up from
the subcontractors the filter keeps (a few in a hundred), which reaches the same pairs with
the same distances at a fraction of the work, then keeps the lists' primes. Each list's rows
are then one INSERT … SELECT joining its roots to the reach, with the expiry filter and
each row's last contact (outreach.lists.contacts). Runs on PostgreSQL and SQLite alike.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db import connection

from outreach.lists import contacts

SETUP_SQL = [
    "DROP TABLE IF EXISTS list_root",
    "DROP TABLE IF EXISTS list_reach",
    "CREATE TEMPORARY TABLE list_root (list_id bigint NOT NULL, root bigint NOT NULL)",
    "CREATE TEMPORARY TABLE list_reach (root bigint NOT NULL, node bigint NOT NULL, distance smallint NOT NULL,"
    " PRIMARY KEY (root, node))",
]
TEARDOWN_SQL = ["DROP TABLE IF EXISTS list_root", "DROP TABLE IF EXISTS list_reach"]

# Down from the lists' primes: every pair (prime, subcontractor), for a list of every subcontractor.
FIRST_TIER_DOWN_SQL = """
INSERT INTO list_reach (root, node, distance)
SELECT l.prime_id, l.subcontractor_id, 1
FROM registrations_subcontractlink l
WHERE l.prime_id IN (SELECT DISTINCT root FROM list_root WHERE list_id IN ({lists}))
"""

NEXT_TIER_DOWN_SQL = """
INSERT INTO list_reach (root, node, distance)
SELECT DISTINCT r.root, l.subcontractor_id, %s
FROM list_reach r
JOIN registrations_subcontractlink l ON l.prime_id = r.node
WHERE r.distance = %s AND l.subcontractor_id <> r.root
ON CONFLICT (root, node) DO NOTHING
"""

# Up from the subcontractors the filter keeps (a few in a hundred expire in a window): every pair
# (contractor above, kept subcontractor). The shortest distance either way is the same walk.
FIRST_TIER_UP_SQL = """
INSERT INTO list_reach (root, node, distance)
SELECT l.prime_id, l.subcontractor_id, 1
FROM registrations_subcontractlink l
JOIN registrations_business b ON b.id = l.subcontractor_id
WHERE {expiry}
"""

NEXT_TIER_UP_SQL = """
INSERT INTO list_reach (root, node, distance)
SELECT DISTINCT l.prime_id, r.node, %s
FROM list_reach r
JOIN registrations_subcontractlink l ON l.subcontractor_id = r.root
WHERE r.distance = %s AND l.prime_id <> r.node
ON CONFLICT (root, node) DO NOTHING
"""

# The row's list is the column snapshot_id (the field SubcontractorListRow.subcontractor_list).
ROWS_SQL = """
WITH reached AS (
    SELECT lr.list_id, r.root, r.node, r.distance, b.expires_on
    FROM list_root lr
    JOIN list_reach r ON r.root = lr.root
    JOIN registrations_business b ON b.id = r.node
    WHERE lr.list_id IN ({lists}) AND {expiry}
),
listed AS (
    SELECT DISTINCT node AS business_id FROM reached
),
{contacts}
INSERT INTO outreach_subcontractorlistrow (
    snapshot_id, prime_id, business_id, distance, expires_on, renewal_status,
    last_contact_at, last_contact_channel, last_contact_status)
SELECT reached.list_id, reached.root, reached.node, reached.distance, reached.expires_on, '',
    latest.at, COALESCE(latest.channel, ''), COALESCE(latest.outcome, '')
FROM reached
LEFT JOIN latest ON latest.business_id = reached.node
"""


def expiry_condition(row_filter: str, *, as_of: datetime.date, days: int) -> tuple[str, list]:
    """The cheap part of a list's filter, on the business's expiry; the status is checked after."""
    if row_filter == "expiring":
        return "b.expires_on >= %s AND b.expires_on <= %s", [as_of, as_of + datetime.timedelta(days=days)]
    if row_filter == "lapsed":
        return "b.expires_on < %s", [as_of]
    return "1 = 1", []


def _execute(sql: str, params: Iterable = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


class Reach:
    """The expansion of every given list's primes, in temporary tables of this connection.

    Use as a context manager: `add_roots` for each list, `expand` once, then `insert_rows`
    per group of lists sharing a filter; the tables are dropped on leaving.
    """

    def __enter__(self) -> "Reach":
        for sql in SETUP_SQL:
            _execute(sql)
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is not None:
            return  # the transaction may be aborted; the next setup drops the tables
        for sql in TEARDOWN_SQL:
            _execute(sql)

    def add_roots(self, list_id: int, primes_sql: str, primes_params: Iterable) -> int:
        """Put a list's primes (a SELECT of one id column) among the roots; returns how many."""
        sql = f"INSERT INTO list_root (list_id, root) SELECT %s, p.* FROM ({primes_sql}) p"
        return _execute(sql, [list_id, *primes_params])

    def expand(self, list_ids: list[int], *, row_filter: str, as_of: datetime.date, days: int) -> int:
        """Walk the graph for lists sharing one filter, tier by tier (shortest distance kept); returns
        the pairs reached. A filter on expiry walks up from the subcontractors it keeps, which are
        few; the list of all of them walks down from the lists' primes."""
        _execute("DELETE FROM list_reach")
        if row_filter == "all":
            first, params = FIRST_TIER_DOWN_SQL.format(lists=", ".join(["%s"] * len(list_ids))), list_ids
            following = NEXT_TIER_DOWN_SQL
        else:
            expiry, params = expiry_condition(row_filter, as_of=as_of, days=days)
            first, following = FIRST_TIER_UP_SQL.format(expiry=expiry), NEXT_TIER_UP_SQL
        total = _execute(first, params)
        if connection.vendor == "postgresql":
            _execute("ANALYZE list_reach")
        for tier in range(2, settings.SUBCONTRACTOR_LIST_MAX_DEPTH + 1):
            added = _execute(following, [tier, tier - 1])
            if added <= 0:
                break
            total += added
        return total

    def insert_rows(self, list_ids: list[int], *, row_filter: str, as_of: datetime.date, days: int) -> int:
        """Insert the rows of lists sharing one filter and date: every (prime, reached subcontractor)
        passing the expiry filter, with its last contact up to `as_of`; returns rows written."""
        if not list_ids:
            return 0
        expiry, expiry_params = expiry_condition(row_filter, as_of=as_of, days=days)
        contact_sql, contact_params = contacts.latest_contact_ctes(as_of=as_of)
        sql = ROWS_SQL.format(lists=", ".join(["%s"] * len(list_ids)), expiry=expiry, contacts=contact_sql)
        return _execute(sql, [*list_ids, *expiry_params, *contact_params])


def freeze_statuses(list_ids: list[int], statuses_sql: str, statuses_params: Iterable) -> int:
    """Set each row's renewal status from a SELECT of (pk, renewal_status) per business, computed
    once per listed business rather than once per row; returns rows updated."""
    sql = f"""
        UPDATE outreach_subcontractorlistrow SET renewal_status = s.renewal_status
        FROM ({statuses_sql}) s
        WHERE s.pk = outreach_subcontractorlistrow.business_id
            AND outreach_subcontractorlistrow.snapshot_id IN ({", ".join(["%s"] * len(list_ids))})
    """
    return _execute(sql, [*statuses_params, *list_ids])
