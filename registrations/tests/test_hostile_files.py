"""Hostile business files: each is refused with a Japanese message and nothing is written."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registrations.models import Business
from registrations.tests.files import HEADER, business_row, csv_bytes

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
