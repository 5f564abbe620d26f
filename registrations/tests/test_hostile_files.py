"""Hostile business files: each is refused with a Japanese message and nothing is written."""

import io
import re
import tracemalloc

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ccus.importing import ERRORS_KEPT, run_import
from ccus.tabular import open_table
from registrations.imports import BusinessRows
from registrations.models import Business
from registrations.tests.files import (
    HEADER,
    business_row,
    cell_ref,
    csv_bytes,
    repeated,
    sheet_xml,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _mixed_encodings() -> bytes:
    first = csv_bytes([business_row()], encoding="utf-8")
    second = csv_bytes([business_row(事業者ID="12345678901235", 商号="株式会社佐藤組")], encoding="cp932")
    return first + second.split(b"\r\n", 1)[1]


HOSTILE = {
    "mixed UTF-8 and CP932": _mixed_encodings(),
    "truncated inside a quoted cell": csv_bytes([business_row()], encoding="utf-8")[:-40] + b'"unterminated',
    "2021-02-30": csv_bytes([business_row(登録日="2021-02-30")]),
    "over-long name": csv_bytes([business_row(商号="株" * 201)]),
    "control character in the name": csv_bytes([business_row(商号="株式会社\x07髙橋工務店")]),
    "missing column": csv_bytes([business_row()], header=[h for h in HEADER if h != "商号"]),
    "empty file": b"",
    "header only": csv_bytes([]),
    "binary garbage": bytes(range(256)) * 4,
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_business_file_is_refused_in_japanese_and_writes_nothing(tmp_path, case):
    path = tmp_path / "hostile.csv"
    path.write_bytes(HOSTILE[case])
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_businesses", str(path), stdout=out, stderr=err)
    assert JAPANESE.search(str(refused.value) + err.getvalue()), str(refused.value) + err.getvalue()
    assert Business.objects.count() == 0


# Files that are small on disk and huge once expanded or split: refused in bounded memory.
SHARED_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
SHEET_HEAD = '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"
MEMORY_BOUND = 40 * 1024 * 1024  # traced Python memory while refusing; the bombs expand to 60 MB and more


def _shared_strings_bomb() -> bytes:
    header = "".join(f'<c r="{cell_ref(i, 1)}" t="s"><v>{i - 1}</v></c>' for i in range(1, len(HEADER) + 1))
    sheet = f'{SHEET_HEAD}<row r="1">{header}</row>{SHEET_TAIL}'
    shared = repeated(
        SHARED_HEAD + "".join(f"<si><t>{h}</t></si>" for h in HEADER), "<si><t>株式会社</t></si>", 2_000_000, "</sst>"
    )
    return workbook_bytes({"Sheet1": sheet}, shared=shared)


def _wide_row_sheet(cells: int) -> bytes:
    return workbook_bytes(
        {
            "Sheet1": repeated(
                SHEET_HEAD + '<row r="1">', '<c t="inlineStr"><is><t>a</t></is></c>', cells, "</row>" + SHEET_TAIL
            )
        }
    )


BOMBS = {
    "xlsx shared strings expanding 1,000 times": _shared_strings_bomb,
    "xlsx row of a million cells": lambda: _wide_row_sheet(1_000_000),
    "xlsx cell in the last column of the last row": lambda: workbook_bytes(
        {"Sheet1": f'{SHEET_HEAD}<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>{SHEET_TAIL}'}
    ),
    "CSV line of 16 million separators": lambda: (",".join(HEADER) + "\r\n").encode() + b"," * 16_000_000,
    "CSV row of 10,000 cells": lambda: csv_bytes([business_row()]) + b"1," * 10_000 + b"\r\n",
}


def refused_in_bounded_memory(data: bytes, tmp_path) -> str:
    path = tmp_path / "bomb.bin"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        with pytest.raises(CommandError) as refused:
            call_command("import_businesses", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"{peak / 1e6:.0f} MB"
    return str(refused.value)


@pytest.mark.parametrize("case", list(BOMBS))
def test_a_file_that_expands_past_the_limits_is_refused_in_bounded_memory(tmp_path, case):
    message = refused_in_bounded_memory(BOMBS[case](), tmp_path)
    assert JAPANESE.search(message) and "受け付けません" in message, message
    assert Business.objects.count() == 0


@pytest.mark.parametrize(
    ("limits", "data", "named"),
    [
        # Under the ratio check: the limits that apply while the parts stream must hold on their own.
        ({"ratio": 10**9}, lambda: _wide_row_sheet(1_000_000), "列は最大200列"),
        ({"ratio": 10**9, "shared_strings_bytes": 1024 * 1024}, _shared_strings_bomb, "共有文字列"),
        ({"rows": 100}, lambda: csv_bytes([business_row()]) + b"\r\n" * 1_000, "100行を超えて"),
        (
            {"rows": 100},
            lambda: workbook_bytes(
                {
                    "S": sheet_xml([HEADER]).replace(
                        "</sheetData>", '<row r="5000"><c r="A5000"><v>1</v></c></row></sheetData>'
                    )
                }
            ),
            "最大100行",
        ),
    ],
)
def test_each_streaming_limit_holds_on_its_own(tmp_path, settings, limits, data, named):
    settings.TABULAR_LIMITS = limits
    message = refused_in_bounded_memory(data(), tmp_path)
    assert named in message, message


def test_a_declared_huge_dimension_is_ignored_and_the_rows_read_as_they_are(tmp_path):
    """openpyxl padded every row to the declared 16,384 columns and walked to row 1,048,576."""
    row = business_row()
    path = tmp_path / "dimension.xlsx"
    path.write_bytes(
        workbook_bytes({"Sheet1": sheet_xml([HEADER, [row[h] for h in HEADER]], dimension="A1:XFD1048576")})
    )
    tracemalloc.start()
    try:
        call_command("import_businesses", str(path), stdout=io.StringIO(), stderr=io.StringIO())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert Business.objects.get().name == row["商号"]
    assert peak < MEMORY_BOUND, f"{peak / 1e6:.0f} MB"


def test_one_stray_byte_in_a_utf8_file_is_an_encoding_error_at_its_row(tmp_path):
    rows = [business_row(事業者ID=f"1234567890{n:04d}", 商号=f"株式会社髙橋工務店{n}") for n in range(1, 10)]
    data = csv_bytes(rows, encoding="utf-8").replace(
        "株式会社髙橋工務店7".encode(), "株式会社髙橋工務店7".encode()[:-4] + b"\x81"
    )
    path = tmp_path / "stray.csv"
    path.write_bytes(data)
    with pytest.raises(CommandError) as refused:
        call_command("import_businesses", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    message = str(refused.value)
    assert "文字コード" in message and "8行目" in message and "UTF-8" in message, message
    assert "CP932" not in message, message


def test_a_file_of_many_bad_rows_keeps_a_bounded_list_of_errors_and_counts_them_all(tmp_path):
    rows = [business_row(事業者ID=f"1234567890{n:04d}", 登録日="2021-02-30") for n in range(1_500)]
    with open_table(io.BytesIO(csv_bytes(rows))) as table:
        outcome = run_import(BusinessRows(), table, dry_run=True)
    assert len(outcome.errors) == ERRORS_KEPT
    assert "1500" in outcome.summary(), outcome.summary()
