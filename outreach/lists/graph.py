"""Subcontractors reachable from primes, expanded in SQL by one recursive CTE.

The same statement runs on PostgreSQL and SQLite (both have WITH RECURSIVE). The CTE
walks (root, node, depth) with UNION, so a node reached twice at the same depth is
expanded once; it never walks back into its root, and it stops at MAX_DEPTH, so a
cycle ends there. The GROUP BY keeps each subcontractor once per prime, at its smallest
distance: diamonds and cycles are normal data. Each row is written with its last contact
in the same statement.
"""

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.db import connection

from outreach.lists import contacts

# The row's list is the column snapshot_id (the field SubcontractorListRow.subcontractor_list).
REACH_SQL = """
WITH RECURSIVE reach(root, node, depth) AS (
    SELECT l.prime_id, l.subcontractor_id, 1
    FROM registrations_subcontractlink l
    WHERE l.prime_id IN ({roots})
  UNION
    SELECT r.root, l.subcontractor_id, r.depth + 1
    FROM reach r
    JOIN registrations_subcontractlink l ON l.prime_id = r.node
    WHERE r.depth < %s AND l.subcontractor_id <> r.root
),
reached AS (
    SELECT r.root, r.node, MIN(r.depth) AS distance, b.expires_on
    FROM reach r
    JOIN registrations_business b ON b.id = r.node
    WHERE {expiry}
    GROUP BY r.root, r.node, b.expires_on
),
listed AS (
    SELECT DISTINCT node AS business_id FROM reached
),
{contacts}
INSERT INTO outreach_subcontractorlistrow (
    snapshot_id, prime_id, business_id, distance, expires_on, renewal_status,
    last_contact_at, last_contact_channel, last_contact_status)
SELECT %s, reached.root, reached.node, reached.distance, reached.expires_on, '',
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


def insert_reach(*, list_id: int, prime_ids: Sequence[int], row_filter: str, as_of: datetime.date, days: int) -> int:
    """Insert one row per (prime, reachable subcontractor) passing the expiry filter, with its last
    contact up to `as_of` (outreach.lists.contacts); returns rows written."""
    if not prime_ids:
        return 0
    expiry, expiry_params = expiry_condition(row_filter, as_of=as_of, days=days)
    contact_sql, contact_params = contacts.latest_contact_ctes(as_of=as_of)
    sql = REACH_SQL.format(roots=", ".join(["%s"] * len(prime_ids)), expiry=expiry, contacts=contact_sql)
    params = [*prime_ids, settings.SUBCONTRACTOR_LIST_MAX_DEPTH, *expiry_params, *contact_params, list_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
