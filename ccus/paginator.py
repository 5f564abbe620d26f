"""A paginator for changelists over large tables: never a full COUNT(*)."""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Counting stops here; beyond it the admin shows "more than" this many.
COUNT_CAP = 10_000


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered table from the planner's estimate, a filtered one up to a cap.

    An unfiltered PostgreSQL table is counted by pg_class.reltuples (what ANALYZE last
    saw); a filtered result by `SELECT COUNT(*) FROM (… LIMIT COUNT_CAP + 1)`, which
    stops early. Page links past the cap still work: the last page is estimated.
    """

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > COUNT_CAP:
                return int(row[0])
        # Unordered: an ORDER BY here would make PostgreSQL walk the ordering's index.
        return queryset.order_by()[: COUNT_CAP + 1].count()


def capped_count(queryset) -> int:
    """The rows of `queryset`, counted no further than COUNT_CAP + 1 (more than COUNT_CAP reads as "over")."""
    return queryset.order_by()[: COUNT_CAP + 1].count()
