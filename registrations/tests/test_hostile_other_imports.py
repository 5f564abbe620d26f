"""Hostile association, membership, link and renewal files: refused in Japanese, nothing written."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registrations.models import Association, Business, Membership, SubcontractLink
from registrations.tests.factories import AssociationFactory, BusinessFactory
from registrations.tests.files import HEADER, business_row, sheet_xml, workbook_bytes
from renewals import services
from renewals.models import RenewalCase

pytestmark = pytest.mark.django_db
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
A, B = "10000000000001", "10000000000002"

# command, header, a good row, the model that must stay empty, hostile rows (None: the file as named)
KINDS = {
    "import_associations": (["団体コード", "団体名"], ["ZENKEN", "全国建設業協会"], Association),
    "import_memberships": (["事業者ID", "団体コード", "入会日"], [A, "TOBI", "2024-04-01"], Membership),
    "import_links": (
        ["元請事業者ID", "下請事業者ID", "次数", "最終確認日"],
        [A, B, "1", "2026-10-01"],
        SubcontractLink,
    ),
    "import_renewals": (["事業者ID", "申請日", "承認日"], [A, "2026-10-01", ""], RenewalCase),
}
CASES = ["empty file", "header only", "missing column", "impossible date", "control character", "binary garbage"]


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    return "\r\n".join(",".join(cells) for cells in [header, *rows]) + "\r\n"


def hostile(command: str, case: str) -> bytes:
    header, good, _model = KINDS[command]
    if case == "empty file":
        return b""
    if case == "header only":
        return csv_text(header, []).encode("cp932")
    if case == "missing column":
        return csv_text(header[1:], [good[1:]]).encode("cp932")
    if case == "binary garbage":
        return bytes(range(256)) * 4
    row = list(good)
    if case == "impossible date":
        row = [cell if not re.fullmatch(r"\d{4}-\d\d-\d\d", cell) else "2021-02-30" for cell in row]
        if row == good:  # associations have no date: an over-long name instead
            row[1] = "協" * 101
    if case == "control character":
        row[1] = row[1][:1] + "\x07" + row[1][1:] if command == "import_associations" else "1000000000\x0700001"
    return csv_text(header, [row]).encode("cp932")


@pytest.fixture
def register():
    AssociationFactory(code="TOBI")
    BusinessFactory(ccus_id=A)
    BusinessFactory(ccus_id=B)
    services.terms_sync()


@pytest.mark.parametrize("command", list(KINDS))
@pytest.mark.parametrize("case", CASES)
def test_a_hostile_file_is_refused_in_japanese_and_writes_nothing(tmp_path, register, command, case):
    model = KINDS[command][2]
    before = model.objects.count()
    path = tmp_path / "hostile.csv"
    path.write_bytes(hostile(command, case))
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(command, str(path), stdout=io.StringIO(), stderr=err)
    assert JAPANESE.search(str(refused.value) + err.getvalue()), str(refused.value) + err.getvalue()
    assert model.objects.count() == before


@pytest.mark.parametrize("command", list(KINDS))
def test_columns_in_another_order_import_the_same(tmp_path, register, command):
    header, good, model = KINDS[command]
    before = model.objects.count()
    path = tmp_path / "reordered.csv"
    path.write_bytes(csv_text(header[::-1], [good[::-1]]).encode("cp932"))
    call_command(command, str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert model.objects.count() == before + 1


def test_markup_in_an_association_name_is_stored_as_text_and_escaped_in_admin(tmp_path, admin_client):
    path = tmp_path / "associations.csv"
    path.write_bytes(csv_text(["団体コード", "団体名"], [["XSS", "<script>alert(1)</script>"]]).encode("utf-8"))
    call_command("import_associations", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Association.objects.get(code="XSS").name == "<script>alert(1)</script>"
    page = admin_client.get("/admin/registrations/association/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# Ambiguous structure: each file below is refused by every import, naming the problem.
def business_kind():
    row = business_row(資本金="30000000", 所属団体="TOBI")  # no separator inside a cell: csv_text does not quote
    return (HEADER, [row[h] for h in HEADER], Business)


ALL_KINDS = {**KINDS, "import_businesses": business_kind()}


def structure_case(command: str, case: str) -> tuple[bytes, str]:
    """The hostile file, and the words the refusal must contain."""
    header, good, _model = ALL_KINDS[command]
    if case == "same column twice":
        return csv_text([*header, header[0]], [[*good, good[0]]]).encode("cp932"), "2回"
    if case == "row short of a cell":
        return csv_text(header, [good[:-1]]).encode("cp932"), "見出しは"
    if case == "value right of the header":
        return csv_text(header, [[*good, "余分"]]).encode("cp932"), "最後の列より右"
    if case == "mixed line endings":
        return (",".join(header) + "\r\n" + ",".join(good) + "\n" + ",".join(good) + "\r\n").encode("cp932"), "混在"
    if case == "data on a hidden sheet":
        return workbook_bytes(
            {"表紙": sheet_xml([]), "データ": sheet_xml([header, good])}, hidden=("データ",)
        ), "非表示"
    if case == "data on two sheets":
        return workbook_bytes({"A": sheet_xml([header, good]), "B": sheet_xml([header, good])}), "2枚"
    if case == "formula without its result":
        row = list(good)
        row[0] = "=5000000*20"
        return workbook_bytes({"Sheet1": sheet_xml([header, row])}), "計算結果"
    raise AssertionError(case)


STRUCTURE = [
    "same column twice",
    "row short of a cell",
    "value right of the header",
    "mixed line endings",
    "data on a hidden sheet",
    "data on two sheets",
    "formula without its result",
]


@pytest.mark.parametrize("command", list(ALL_KINDS))
@pytest.mark.parametrize("case", STRUCTURE)
def test_a_file_of_uncertain_structure_is_refused_whole_by_every_import(tmp_path, register, command, case):
    model = ALL_KINDS[command][2]
    before = model.objects.count()
    data, named = structure_case(command, case)
    path = tmp_path / "ambiguous.bin"
    path.write_bytes(data)
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(command, str(path), stdout=io.StringIO(), stderr=err)
    message = str(refused.value) + err.getvalue()
    assert named in message, message
    assert model.objects.count() == before


@pytest.mark.parametrize("command", list(ALL_KINDS))
@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_every_line_ending_used_throughout_is_read_alike_by_every_import(tmp_path, register, command, ending):
    header, good, model = ALL_KINDS[command]
    before = model.objects.count()
    path = tmp_path / "endings.csv"
    path.write_bytes(ending.join(",".join(cells) for cells in [header, good]).encode("cp932") + ending.encode())
    call_command(command, str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert model.objects.count() == before + 1


@pytest.mark.parametrize("command", list(ALL_KINDS))
def test_a_non_first_sheet_that_alone_holds_data_is_read(tmp_path, register, command):
    header, good, model = ALL_KINDS[command]
    before = model.objects.count()
    path = tmp_path / "second-sheet.xlsx"
    path.write_bytes(workbook_bytes({"Sheet1": sheet_xml([]), "データ": sheet_xml([header, good])}))
    call_command(command, str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert model.objects.count() == before + 1
