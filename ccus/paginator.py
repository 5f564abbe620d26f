"""Paginators for changelists over large tables: never a full COUNT(*)."""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

# Counting stops here; beyond it the admin shows "more than" this many.
COUNT_CAP = 10_000
# A search's count stops sooner: its matches are rechecked on the heap one by one, and past
# a thousand the desk narrows the search rather than pages through it.
SEARCH_COUNT_CAP = 1_000
# A search the planner expects to match this many times the cap is over it without counting:
# its statistics sample (search_text's target is 1,000: 300,000 rows) cannot be that far off.
UNCOUNTED_OVER = 5


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered table from the planner's estimate, a filtered one up to a cap.

    An unfiltered PostgreSQL table is counted by pg_class.reltuples (what ANALYZE last
    saw); a filtered result by `SELECT COUNT(*) FROM (… LIMIT count_cap + 1)`, which
    stops early; `over_cap` then tells the page to show "more than count_cap".
    """

    count_cap = COUNT_CAP

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
            if row and row[0] > self.count_cap:
                return int(row[0])
        return capped_count(queryset, self.count_cap)

    @property
    def over_cap(self) -> bool:
        """The count stopped at the cap: the result holds more rows than counted."""
        return bool(self.object_list.query.where) and self.count > self.count_cap


class SearchCountPaginator(EstimatedCountPaginator):
    """A searched list: counted up to SEARCH_COUNT_CAP, its page's keys read first.

    The page's keys come first (`SELECT pk … ORDER BY … LIMIT n`), then its rows by key:
    the keys' query can walk a covering index in the list's order (for the register:
    事業者ID with the search keys, registrations migration 0016) and stop after n
    matches without a heap visit, where the whole row would be read for every candidate
    it rejects.

    A search the planner expects to match more than UNCOUNTED_OVER × the cap is not
    counted (for a common name the trigram index alone costs 50–100 ms): it is over the
    cap. The others are counted exactly, up to the cap.
    """

    count_cap = SEARCH_COUNT_CAP

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if queryset.query.where and planned_rows(queryset) > UNCOUNTED_OVER * self.count_cap:
            return self.count_cap + 1
        return super().count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count and not self.over_cap:  # the last page takes the orphans
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        return self._get_page(self.object_list.filter(pk__in=keys), number, self)


def capped_count(queryset, cap: int | None = None) -> int:
    """The rows of `queryset`, counted no further than cap + 1 (more than cap reads as "over").

    The cap defaults to COUNT_CAP.
    """
    cap = COUNT_CAP if cap is None else cap
    # Unordered: an ORDER BY here would make PostgreSQL walk the ordering's index.
    return queryset.order_by()[: cap + 1].count()


def planned_rows(queryset) -> int:
    """How many rows PostgreSQL's planner expects `queryset` to return (0 on other databases)."""
    if connections[queryset.db].vendor != "postgresql":
        return 0
    plan = json.loads(queryset.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])
