"""django-import-export resources for the register's files, thin over the import engine.

The admin's import screens (upload, dry-run preview, confirm) are django-import-
export's; each row goes through `ccus.importing.run_import` and the row kinds of
registrations/imports.py, so the admin and the `import_*` commands check and write
alike: every error with row and column, and nothing written unless all rows are good.
"""

import io
from dataclasses import dataclass

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext
from import_export import resources
from import_export.fields import Field
from import_export.formats.base_formats import Format
from import_export.results import Result, RowResult

from ccus.importing import CREATED, UNCHANGED, UPDATED, Outcome, RowError, RowKind, run_import
from ccus.tabular import Table, TabularError, open_table
from registrations import imports
from registrations.models import Business, Trade

IMPORT_TYPES = {CREATED: RowResult.IMPORT_TYPE_NEW, UPDATED: RowResult.IMPORT_TYPE_UPDATE}
# Preview columns kept on one line: IDs, codes, numbers, dates, flags.
ONE_LINE_KEYS = {
    "ccus_id", "corporate_number", "capital", "is_sole_proprietor", "entity_type", "postal_code", "prefecture",
    "phone", "registered_on", "expires_on", "code", "business", "association", "joined_on", "prime",
    "subcontractor", "tier", "last_seen_on",
}  # fmt: skip
# Preview columns of long text, given room enough to wrap between words rather than per character.
WIDE_KEYS = {"address", "trades", "permit_number", "email", "associations"}


class SpreadsheetFormat(Format):
    """CSV in UTF-8, UTF-8 with BOM or CP932, or XLSX: detected from the file itself."""

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return "CSV / XLSX"

    def get_extension(self):
        return "csv"

    def can_import(self):
        return True

    def create_dataset(self, in_stream: bytes) -> "FileDataset":
        """The file's header row, checked; its rows are streamed again when the import runs."""
        with open_table(io.BytesIO(in_stream)) as table:
            if next(iter(table), None) is None:
                raise TabularError(gettext("The file has no rows to import below its header row."))
            return FileDataset(in_stream, table.headers)


class FileDataset(tablib.Dataset):
    """An upload as django-import-export passes it around: the header, and the file itself.

    The rows are not copied into the dataset: EngineResource reads them from the file
    with `open_table`, streaming, so an upload costs the same memory at any row count.
    """

    def __init__(self, data: bytes, headers: list[str]):
        super().__init__(headers=headers)
        self.data = data

    def __bool__(self) -> bool:
        return True  # django-import-export refuses an empty dataset; rows are counted by the import


class EngineResource(resources.Resource):
    """A resource whose import runs a RowKind; data rows are numbered from 2 (header = 1)."""

    kind: type[RowKind]

    @classmethod
    def get_display_name(cls) -> str:
        return cls.kind.name

    def get_user_visible_fields(self):
        return [Field(attribute=c.key, column_name=c.header) for c in self.kind.columns]

    def import_data(self, dataset, dry_run=False, raise_errors=False, **kwargs) -> Result:
        options = {"dry_run": dry_run, "user": kwargs.get("user"), "source": kwargs.get("file_name") or ""}
        if not isinstance(dataset, FileDataset):
            headers = list(dataset.headers or [])
            records = ((number, dict(zip(headers, values, strict=False))) for number, values in enumerate(dataset, 2))
            return self.result_of(run_import(self.kind(), Table(headers, records, "dataset"), **options))
        try:
            with open_table(io.BytesIO(dataset.data)) as table:
                outcome = run_import(self.kind(), table, **options)
        except TabularError as error:
            # The file became unreadable past its header (a bad byte, a row of unclear shape):
            # refused whole, nothing written (run_import's transaction rolled back).
            outcome = Outcome(dry_run=dry_run, errors=[RowError(error.row or 1, "", str(error))])
        return self.result_of(outcome)

    def result_of(self, outcome: Outcome) -> Result:
        """django-import-export's Result for its templates: errors, or a preview of changes."""
        result = Result()
        result.outcome = outcome
        result.totals[RowResult.IMPORT_TYPE_NEW] = outcome.counts[CREATED]
        result.totals[RowResult.IMPORT_TYPE_UPDATE] = outcome.counts[UPDATED]
        result.totals[RowResult.IMPORT_TYPE_SKIP] = outcome.counts[UNCHANGED]
        result.total_rows = outcome.rows
        if not outcome.ok:
            by_row: dict[int, dict[str, list[str]]] = {}
            for error in outcome.errors:
                by_row.setdefault(error.row, {}).setdefault(error.column or NON_FIELD_ERRORS, []).append(error.message)
            for number, errors in by_row.items():
                result.append_invalid_row(number, {}, ValidationError(errors))
            return result
        result.diff_headers = [c.header for c in self.kind.columns if c.key in _preview_keys(outcome)]
        keys = [c.key for c in self.kind.columns if c.header in result.diff_headers]
        shown = PreviewValues() if outcome.preview else None
        for change in outcome.preview:
            row = RowResult()
            row.import_type = IMPORT_TYPES[change.action]
            row.diff = [_diff_cell(k, change.before.get(k), change.after.get(k, ""), shown) for k in keys]
            result.append_row_result(row)
        return result


def _preview_keys(outcome: Outcome) -> set[str]:
    return {key for change in outcome.preview for key in change.after}


@dataclass(frozen=True)
class PreviewCell:
    html: str
    css: str

    def __str__(self) -> str:
        return self.html


class PreviewValues:
    """A planned value as the desk reads it: 法人/個人, trade names, 123-4567, 30,000,000."""

    def __init__(self):
        self.trade_names = dict(Trade.objects.values_list("code", "name"))

    def __call__(self, key: str, value: str) -> str:
        if not value:
            return value
        if key == "entity_type" and value in Business.EntityType.values:
            return str(Business.EntityType(value).label)
        if key == "is_sole_proprietor":
            return gettext("Yes") if value == "1" else gettext("No")
        if key == "trades":
            # 、 between trades: some names have a ・ of their own (とび・土工・コンクリート).
            return "、".join(self.trade_names.get(code, code) for code in value.split("・"))
        if key == "postal_code" and len(value) == 7 and value.isdigit():
            return f"{value[:3]}-{value[3:]}"
        if key == "capital" and value.isdigit():
            return f"{int(value):,}"
        return value


def _diff_cell(key: str, before: str | None, after: str, shown: PreviewValues) -> PreviewCell:
    css = (
        "import-cell-short" if key in ONE_LINE_KEYS else "import-cell-wide" if key in WIDE_KEYS else "import-cell-text"
    )
    if before is None or before == after:
        return PreviewCell(shown(key, after), css)
    return PreviewCell(format_html("<del>{}</del> → <ins>{}</ins>", shown(key, before), shown(key, after)), css)


class BusinessResource(EngineResource):
    kind = imports.BusinessRows


class AssociationResource(EngineResource):
    kind = imports.AssociationRows


class MembershipResource(EngineResource):
    kind = imports.MembershipRows


class SubcontractLinkResource(EngineResource):
    kind = imports.LinkRows
