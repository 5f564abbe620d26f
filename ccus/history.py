"""History rows for bulk writes, written set-based.

django-simple-history records a change when a model's save() runs; bulk_create,
bulk_update, queryset.update() and raw SQL bypass it. After such a write, the caller
names the rows it changed as a queryset and `history_record_bulk` copies each of them,
as it now stands, into the model's history table with one INSERT … SELECT: who (the
user, or nobody for a scheduled job), when, and the operation as the change reason (`operation`).
No row is loaded into Python, so a scan over a million rows stays one statement.

Change reasons are stored in the project's language (`reason`): the history page shows them as written.
"""

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

CREATED, CHANGED = "+", "~"
REASON_LENGTH = 100  # simple_history's history_change_reason
CHUNK = 5_000


def reason(message: str, **values) -> str:
    """A change reason in settings.LANGUAGE_CODE, whichever language the request or task runs in.

    `message` is an English msgid marked with gettext_noop where it is written (so makemessages finds it),
    with %(name)s placeholders for `values`.
    """
    with translation.override(settings.LANGUAGE_CODE):
        text = translation.gettext(message)
    return text % values if values else text


def history_columns(model) -> tuple[str, str]:
    """The columns of `model`'s history table that copy the row, and the row's columns (as `src.…`) they copy."""
    tracked = {f.attname: f for f in model._meta.concrete_fields}
    history = model.history.model
    pairs = [(h.column, tracked[h.attname].column) for h in history._meta.concrete_fields if h.attname in tracked]
    quote = connection.ops.quote_name
    targets = ", ".join(quote(column) for column, _source in pairs)
    return targets, ", ".join(f"src.{quote(column)}" for _target, column in pairs)


def history_insert(model, history_type_sql: str = "%s") -> str:
    """INSERT … SELECT of the rows of `src` into `model`'s history table.

    Parameters: when, the change reason, then the history type (unless `history_type_sql`
    computes it from `src`) and the user's key.
    """
    targets, sources = history_columns(model)
    return (
        f"INSERT INTO {connection.ops.quote_name(model.history.model._meta.db_table)} "
        f"({targets}, history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {sources}, %s, %s, {history_type_sql}, %s FROM src"
    )


def write_with_history(sql: str, params: list, *, model, operation: str, user=None, history_type: str = CHANGED) -> int:
    """Run `sql`, an INSERT or UPDATE of `model`'s table, and keep each row it wrote in history.

    Returns how many rows it wrote. On PostgreSQL one statement: the write as a
    common table expression whose RETURNING rows are copied into history, no row read
    back. Elsewhere (SQLite has no writing CTEs) the keys returned, then
    history_record_bulk in chunks.
    """
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"{sql} RETURNING {table}.{pk}", params)
            keys = [row[0] for row in cursor.fetchall()]
            history_record_keys(model, keys, operation=operation, user=user, history_type=history_type)
            return len(keys)
        history = [timezone.now(), operation[:REASON_LENGTH], history_type, getattr(user, "pk", None)]
        cursor.execute(
            f"WITH src AS ({sql} RETURNING {table}.*), recorded AS ({history_insert(model)}) SELECT count(*) FROM src",
            [*params, *history],
        )
        return cursor.fetchone()[0]


def history_record_keys(
    model, keys: list, *, field: str = "pk", operation: str, user=None, history_type: str = CHANGED
) -> None:
    """history_record_bulk for the rows whose `field` is in `keys`, CHUNK keys at a time."""
    for start in range(0, len(keys), CHUNK):
        rows = model._default_manager.filter(**{f"{field}__in": keys[start : start + CHUNK]})
        history_record_bulk(rows, operation=operation, user=user, history_type=history_type)


def history_record_bulk(
    queryset: QuerySet,
    *,
    operation: str,
    user=None,
    history_type: str = CHANGED,
    reasons: Mapping[int, str] | None = None,
) -> int:
    """Copy the rows of `queryset` into their history table; returns how many rows were copied.

    `reasons` gives rows their own change reason by primary key (each approval names its
    application); rows it does not name keep `operation`.
    """
    model = queryset.model
    history = model.history.model
    quote = connection.ops.quote_name
    targets, sources = history_columns(model)
    try:
        scope, params = queryset.values("pk").query.sql_with_params()
    except EmptyResultSet:  # pk__in=[]: nothing to copy
        return 0
    pk = f"src.{quote(model._meta.pk.column)}"
    # Per-row reasons as a VALUES list joined on the key (column1, column2: the names PostgreSQL and SQLite give).
    named = list((reasons or {}).items())
    joined = f" LEFT JOIN (VALUES {', '.join(['(%s, %s)'] * len(named))}) r ON r.column1 = {pk}" if named else ""
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} "
        f"({targets}, history_date, history_change_reason, history_type, history_user_id) "
        f"SELECT {sources}, %s, {'COALESCE(r.column2, %s)' if named else '%s'}, %s, %s "
        f"FROM {quote(model._meta.db_table)} src{joined} WHERE {pk} IN ({scope})"
    )
    values = [timezone.now(), operation[:REASON_LENGTH], history_type, getattr(user, "pk", None)]
    named_values = [value for key, text in named for value in (key, text[:REASON_LENGTH])]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *named_values, *params])
        return cursor.rowcount


def update_with_history(queryset: QuerySet, *, operation: str, user=None, **values) -> int:
    """`queryset.update(**values)` with each changed row kept in its history; returns the count.

    The rows are locked and their ids read first, so the history names exactly the rows
    this call changed even when two run at once. Meant for a day's lapses, cancellations
    or a print batch (thousands of ids), handled in chunks of CHUNK.
    """
    changed = 0
    with transaction.atomic():
        # In key order: no join for the model's ordering, and locks always taken in one order.
        ids = list(queryset.select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True))
        manager = queryset.model._default_manager
        for start in range(0, len(ids), CHUNK):
            rows = manager.filter(pk__in=ids[start : start + CHUNK])
            changed += rows.update(**values)
            history_record_bulk(rows, operation=operation, user=user)
    return changed
