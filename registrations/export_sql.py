"""The export's cells computed by PostgreSQL, for CSV files written at near COPY speed.

The same cells as services.business_rows builds in Python (that path serves SQLite,
XLSX and the small streamed exports): formulas neutralised with a leading quote, the
postal code hyphenated, trades and memberships joined, dates as ISO text. Python then
only hands whole chunks of tuples to csv.writer.
"""

from collections.abc import Iterator

from django.contrib.postgres.aggregates import StringAgg
from django.db import connection
from django.db.models import Case, OuterRef, QuerySet, Subquery, TextField, Value, When
from django.db.models.functions import Cast, Concat, Substr

from ccus.tabular import ESCAPED_STARTS
from registrations.models import Business, Membership

STARTS = ", ".join(f"chr({ord(char)})" for char in ESCAPED_STARTS)
NEUTRALISED = "CASE WHEN left({0}, 1) IN ({1}) THEN '''' || {0} ELSE {0} END"


def _text(expression) -> Cast:
    return Cast(expression, TextField())


def _joined(queryset: QuerySet, column: str, delimiter: str, order_by: str) -> Subquery:
    """One business's values of a related table, sorted and joined (NULL when it has none)."""
    aggregated = queryset.filter(business_id=OuterRef("pk")).values("business_id")
    aggregated = aggregated.annotate(joined=StringAgg(column, delimiter, order_by=order_by)).values("joined")
    return Subquery(aggregated, output_field=TextField())


def _cells() -> dict:
    """The cells of an import row, in the import's column order."""
    corporation = Business.EntityType.CORPORATION
    return {
        "cell_ccus_id": _text("ccus_id"),
        "cell_corporate_number": _text("corporate_number"),
        "cell_name": _text("name"),
        "cell_name_kana": _text("name_kana"),
        "cell_representative": _text("representative"),
        "cell_capital": _text("capital"),
        "cell_sole": Case(When(is_sole_proprietor=True, then=Value("1")), default=Value("0"), output_field=TextField()),
        "cell_entity": Case(
            When(entity_type=corporation, then=Value("法人")), default=Value("個人"), output_field=TextField()
        ),
        "cell_postal": Concat(
            Substr("postal_code", 1, 3), Value("-"), Substr("postal_code", 4), output_field=TextField()
        ),
        "cell_prefecture": _text("prefecture__name"),
        "cell_address": _text("address"),
        "cell_phone": _text("phone"),
        "cell_email": _text("email"),
        "cell_trades": _joined(Business.trades.through.objects.all(), "trade__name", "・", "trade_id"),
        "cell_permit": _text("permit_number"),
        "cell_registered_on": _text("registered_on"),
        "cell_expires_on": _text("expires_on"),
        "cell_associations": _joined(Membership.objects.all(), "association__code", " ", "association__code"),
    }


def statement(queryset: QuerySet) -> tuple[str, tuple]:
    """The SELECT of the queryset's businesses, in its order, as neutralised text cells.

    The inner query is Django's, so filters, joins and ordering are the queryset's; each
    cell is computed once there, and OFFSET 0 keeps PostgreSQL from pulling it up into
    the outer SELECT, where each use of a cell would compute it again.
    """
    cells = _cells()
    inner, params = queryset.annotate(**cells).values_list(*cells).query.sql_with_params()
    neutralised = ", ".join(NEUTRALISED.format(name, STARTS) for name in cells)
    return f"SELECT {neutralised} FROM ({inner} OFFSET 0) AS cells", params


def csv_chunks(queryset: QuerySet, size: int) -> Iterator[list[tuple]]:
    """The rows of `statement`, `size` at a time, through a server-side cursor.

    Outside a transaction (a WITH HOLD cursor), so the export's progress updates between
    chunks commit as they go and the admin shows them.
    """
    sql, params = statement(queryset)
    with connection.cursor() as cursor:
        # Plan for the whole result, as COPY would, not for the first rows of a cursor.
        cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(size):
                yield chunk
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET cursor_tuple_fraction")
