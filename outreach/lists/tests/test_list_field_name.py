"""The rows' and deliveries' field `subcontractor_list` was `snapshot`: renamed in Python only."""

import io

from django.core.management import call_command
from django.db import connection

from outreach.models import ListDelivery, SubcontractorListRow


def columns_and_constraints(table: str) -> tuple[list[str], dict[str, list[str]]]:
    with connection.cursor() as cursor:
        columns = [column.name for column in connection.introspection.get_table_description(cursor, table)]
        constraints = connection.introspection.get_constraints(cursor, table)
    return columns, {name: found["columns"] for name, found in constraints.items() if name.startswith("sublist_")}


def test_the_rename_migration_runs_no_sql(postgres):
    output = io.StringIO()
    call_command("sqlmigrate", "outreach", "0021_subcontractor_list_field", stdout=output)
    statements = [
        line
        for line in output.getvalue().splitlines()
        if line.strip() and not line.startswith(("--", "BEGIN", "COMMIT"))
    ]
    assert statements == []


def test_the_tables_keep_the_column_and_the_constraint_and_index_names(postgres):
    row_columns, row_constraints = columns_and_constraints(SubcontractorListRow._meta.db_table)
    delivery_columns, _ = columns_and_constraints(ListDelivery._meta.db_table)

    assert "snapshot_id" in row_columns and "subcontractor_list_id" not in row_columns
    assert "snapshot_id" in delivery_columns and "subcontractor_list_id" not in delivery_columns
    assert row_constraints == {
        "sublist_row_once": ["snapshot_id", "prime_id", "business_id"],
        "sublist_row_business_idx": ["business_id", "snapshot_id"],
    }
    assert SubcontractorListRow._meta.get_field("subcontractor_list").column == "snapshot_id"
