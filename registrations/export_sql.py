"""The export's cells computed by PostgreSQL, for CSV files written at near COPY speed.

The same cells as services.business_rows builds in Python (that path serves SQLite,
XLSX and the small streamed exports): formulas neutralised with a leading quote, the
postal code hyphenated, trades and memberships joined, dates as ISO text. Python then
only hands whole chunks of tuples to csv.writer.
"""

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import Case, F, OuterRef, QuerySet, Subquery, TextField, Value, When
from django.db.models.functions import Cast, Concat, Substr

from ccus.tabular import FORMULA_STARTS
from registrations.models import Business, Membership

# A cell starting with one of these characters gets a leading quote (ccus.tabular.neutralise)
# (the hyphen goes last in the bracket, where it is literal).
FORMULA_PATTERN = "^[" + "".join(sorted(FORMULA_STARTS, key=lambda char: char == "-")) + "]"


def _text(expression) -> Cast:
    return Cast(expression, TextField())


def _joined(queryset: QuerySet, column: str, delimiter: str, order_by: str) -> Subquery:
    """One business's values of a related table, sorted and joined (NULL when it has none)."""
    aggregated = queryset.filter(business_id=OuterRef("pk")).values("business_id")
    aggregated = aggregated.annotate(joined=StringAgg(column, delimiter, order_by=order_by)).values("joined")
    return Subquery(aggregated, output_field=TextField())


def _cells() -> dict:
    """The raw cells of an import row, in the import's column order."""
    corporation = Business.EntityType.CORPORATION
    return {
        "c_ccus_id": _text("ccus_id"),
        "c_corporate_number": _text("corporate_number"),
        "c_name": _text("name"),
        "c_name_kana": _text("name_kana"),
        "c_representative": _text("representative"),
        "c_capital": _text("capital"),
        "c_sole": Case(When(is_sole_proprietor=True, then=Value("1")), default=Value("0"), output_field=TextField()),
        "c_entity": Case(
            When(entity_type=corporation, then=Value("法人")), default=Value("個人"), output_field=TextField()
        ),
        "c_postal": Concat(Substr("postal_code", 1, 3), Value("-"), Substr("postal_code", 4), output_field=TextField()),
        "c_prefecture": _text("prefecture__name"),
        "c_address": _text("address"),
        "c_phone": _text("phone"),
        "c_email": _text("email"),
        "c_trades": _joined(Business.trades.through.objects.all(), "trade__name", "・", "trade_id"),
        "c_permit": _text("permit_number"),
        "c_registered_on": _text("registered_on"),
        "c_expires_on": _text("expires_on"),
        "c_associations": _joined(Membership.objects.all(), "association__code", " ", "association__code"),
    }


def csv_cells(queryset: QuerySet) -> QuerySet:
    """The queryset as tuples of neutralised text cells, in its own order."""
    cells = _cells()
    neutralised = {
        f"out_{name}": Case(
            When(**{f"{name}__regex": FORMULA_PATTERN}, then=Concat(Value("'"), F(name))),
            default=F(name),
            output_field=TextField(),
        )
        for name in cells
    }
    return queryset.alias(**cells).annotate(**neutralised).values_list(*neutralised)
