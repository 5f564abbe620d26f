"""Reading spreadsheet files: encodings and XLSX detected without asking, numbers as typed."""

import datetime
import io

import pytest

from ccus.tabular import TabularError, neutralise, open_table, to_cp932, unneutralise
from registrations.tests.files import xlsx_bytes

TEXT = "事業者ID,商号\r\n12345678901234,株式会社髙橋工務店\r\n,\r\n12345678901235,ﾀｶﾊｼ\r\n"


def read(data: bytes):
    with open_table(io.BytesIO(data)) as table:
        return table.format, table.headers, list(table)


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (TEXT.encode("utf-8"), "CSV (utf-8)"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "CSV (utf-8-sig)"),
        (TEXT.encode("cp932"), "CSV (cp932)"),
    ],
)
def test_every_csv_encoding_is_detected_and_rows_keep_their_numbers(data, detected):
    file_format, headers, records = read(data)
    assert file_format == detected
    assert headers == ["事業者ID", "商号"]
    assert records[0] == (2, {"事業者ID": "12345678901234", "商号": "株式会社髙橋工務店"})
    assert records[1] == (3, {"事業者ID": "", "商号": ""})  # blank rows keep the numbering true
    assert records[2] == (4, {"事業者ID": "12345678901235", "商号": "ﾀｶﾊｼ"})


def test_cp932_with_utf8_lookalike_bytes_late_in_a_long_file_is_still_cp932():
    data = ("商号\r\n" + "あいう\r\n" * 200_000 + "髙橋\r\n").encode("cp932")
    file_format, _headers, records = read(data)
    assert file_format == "CSV (cp932)"
    assert records[-1] == (200_002, {"商号": "髙橋"})


def test_xlsx_numbers_are_whole_and_dates_iso():
    # Excel has no date type: the date is stored, and read back, as a datetime.datetime.
    data = xlsx_bytes(
        [[12345678901234, 30000000.0, datetime.date(2021, 12, 10), "  株式会社  ", None, 1.5]],
        header=["事業者ID", "資本金", "登録日", "商号", "空", "小数"],
    )
    file_format, _headers, records = read(data)
    assert file_format == "XLSX"
    assert records == [
        (
            2,
            {
                "事業者ID": "12345678901234",
                "資本金": "30000000",
                "登録日": "2021-12-10",
                "商号": "株式会社",
                "空": "",
                "小数": "1.5",
            },
        )
    ]


def test_a_broken_xlsx_is_a_file_error():
    with pytest.raises(TabularError):
        read(b"PK\x03\x04 not really a zip")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+81", "'+81"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("'=1", "''=1"),
        ("'x", "''x"),
        ("髙橋", "髙橋"),
    ],
)
def test_formulas_are_neutralised_and_reading_takes_off_exactly_that(value, expected):
    assert neutralise(value) == expected
    assert unneutralise(expected) == value


def test_characters_cp932_cannot_hold_are_replaced_and_named():
    assert to_cp932("𠮷野家") == ("〓野家", ["𠮷"])
    assert to_cp932("髙橋") == ("髙橋", [])
