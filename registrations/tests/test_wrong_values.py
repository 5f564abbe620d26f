"""Values that are well-formed but wrong, refused alike by every write path of the register.

Each case goes through the import command, the admin import over HTTP and the desk's
business form over HTTP; each must refuse it with the same Japanese message under the
same column or field, and write nothing. Time is frozen at 00:30 on 2026-11-28 in Tokyo
(still the 27th in UTC), so "today" is Tokyo's.
"""

import datetime
import io
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from ccus import roles
from registrations import cells
from registrations.models import Association, Business, Membership, SubcontractLink
from registrations.tests.factories import AssociationFactory, BusinessFactory, staff_user
from registrations.tests.files import VALID_CORPORATE_NUMBER, business_row, csv_bytes

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 27, 15, 30, tzinfo=datetime.UTC)  # 2026-11-28 00:30 in Tokyo
TODAY, TOMORROW = "2026-11-28", "2026-11-29"
ADD = reverse("admin:registrations_business_add")
EMPTY_INLINES = {
    f"{prefix}-{name}": "0"
    for prefix in ["memberships", "terms", "renewal_cases", "notices", "returned_mail"]
    for name in ["TOTAL_FORMS", "INITIAL_FORMS"]
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def desk(client):
    client.force_login(staff_user(roles.DESK))
    return client


def form_data(**overrides) -> dict[str, str]:
    """The desk form with the values of files.business_row()."""
    data = {
        "ccus_id": "12345678901234",
        "corporate_number": VALID_CORPORATE_NUMBER,
        "entity_type": Business.EntityType.CORPORATION,
        "name": "株式会社髙橋工務店",
        "name_kana": "カブシキガイシャタカハシコウムテン",
        "capital": "30000000",
        "prefecture": "13",
        "postal_code": "100-0001",
        "address": "千代田区千代田1-1",
        "phone": "03-1234-5678",
        "email": "info@example.jp",
        "representative": "髙橋 一郎",
        "registered_on": "2021-12-10",
        "expires_on": "2026-12-31",
        **EMPTY_INLINES,
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@dataclass
class Case:
    cells: dict[str, str]  # the import row's cells that differ from files.business_row()
    form: dict[str, str | None]  # the form's fields that differ from form_data() (None: left out)
    column: str  # the import's column header
    field: str  # the form's field
    message: str  # a part of the Japanese message both show
    paths: set[str] = field(default_factory=lambda: {"command", "admin import", "form"})


BIDI = "株式会社\u202e店務工橋髙"
CASES = {
    "事業者ID with text around it": Case(
        {"事業者ID": "ID:12345678901234号"}, {}, "事業者ID", "ccus_id", "数字以外の文字", {"command", "admin import"}
    ),
    "事業者ID with a trailing .2": Case(
        {"事業者ID": "1234567890123.2"}, {}, "事業者ID", "ccus_id", "数字以外の文字", {"command", "admin import"}
    ),
    "法人番号 with text around it": Case(
        {"法人番号": f"No.{VALID_CORPORATE_NUMBER}"},
        {},
        "法人番号",
        "corporate_number",
        "数字以外の文字",
        {"command", "admin import"},
    ),
    "登録日 with text after it": Case(
        {"登録日": "2021-12-10 頃"}, {"registered_on": "2021-12-10 頃"}, "登録日", "registered_on", "YYYY-MM-DD"
    ),
    "登録日 month first, as in the US": Case(
        {"登録日": "12/10/2021"}, {"registered_on": "12/10/2021"}, "登録日", "registered_on", "YYYY-MM-DD"
    ),
    "登録日 tomorrow in Tokyo": Case(
        {"登録日": TOMORROW},
        {"registered_on": TOMORROW, "expires_on": "2031-11-30"},
        "登録日",
        "registered_on",
        "2026-11-29 は未来の日付です",
    ),
    "一人親方 on a corporation with ¥1,000,000,000 capital": Case(
        {"一人親方": "1", "法人個人": "法人", "資本金": "1,000,000,000"},
        {"is_sole_proprietor": "on", "capital": "1000000000"},
        "一人親方",
        "is_sole_proprietor",
        "一人親方は個人事業主です",
    ),
    "一人親方 with capital, entity type inferred": Case(
        {"一人親方": "○", "法人番号": "", "資本金": "1,000,000,000"},
        {"is_sole_proprietor": "on", "corporate_number": "", "entity_type": "individual", "capital": "1000000000"},
        "資本金",
        "capital",
        "個人事業主には資本金がありません",
    ),
    "個人 with a 法人番号": Case(
        {"法人個人": "個人", "資本金": ""},
        {"entity_type": "individual", "capital": ""},
        "法人番号",
        "corporate_number",
        "個人事業主には法人番号がありません",
    ),
    "商号 with a right-to-left override (U+202E)": Case(
        {"商号": BIDI}, {"name": BIDI}, "商号", "name", "「商号」に改行または見えない制御文字（U+202E）"
    ),
    "商号 with a zero-width space (U+200B)": Case(
        {"商号": "株式会社\u200b髙橋工務店"}, {"name": "株式会社\u200b髙橋工務店"}, "商号", "name", "（U+200B）"
    ),
    "商号 with a byte order mark inside (U+FEFF)": Case(
        {"商号": "株式会社\ufeff髙橋工務店"}, {"name": "株式会社\ufeff髙橋工務店"}, "商号", "name", "（U+FEFF）"
    ),
    "商号 with a line break": Case(
        {"商号": "株式会社\n髙橋工務店"}, {"name": "株式会社\n髙橋工務店"}, "商号", "name", "「商号」に改行"
    ),
    "住所 with a tab": Case(
        {"住所": "千代田区\t千代田1-1"}, {"address": "千代田区\t千代田1-1"}, "住所", "address", "「住所」に改行"
    ),
    "代表者名 with a left-to-right mark (U+200E)": Case(
        {"代表者名": "髙橋\u200e一郎"},
        {"representative": "髙橋\u200e一郎"},
        "代表者名",
        "representative",
        "「代表者名」に改行",
    ),
}


def case_params(path: str) -> list:
    return [pytest.param(name, id=name) for name, case in CASES.items() if path in case.paths]


@pytest.mark.parametrize("name", case_params("command"))
def test_the_import_command_refuses_it(tmp_path, name):
    case = CASES[name]
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([business_row(**case.cells)], encoding="utf-8"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_businesses", str(path), stdout=io.StringIO(), stderr=err)
    assert f"2行目 {case.column}: " in err.getvalue() and case.message in err.getvalue(), err.getvalue()
    assert not Business.objects.exists()


@pytest.mark.parametrize("name", case_params("admin import"))
def test_the_admin_import_refuses_it(desk, name):
    case = CASES[name]
    data = csv_bytes([business_row(**case.cells)], encoding="utf-8")
    response = desk.post(
        "/admin/registrations/business/import/",
        {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("register.csv", data)},
    )
    errors = {
        (line.number, column): messages
        for line in response.context["result"].invalid_rows
        for column, messages in line.error_dict.items()
    }
    assert any(case.message in m for m in errors.get((2, case.column), [])), errors
    assert response.context.get("confirm_form") is None
    assert not Business.objects.exists()


@pytest.mark.parametrize("name", case_params("form"))
def test_the_desk_form_refuses_it(desk, name):
    case = CASES[name]
    response = desk.post(ADD, form_data(**case.form))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(case.message in message for message in errors.get(case.field, [])), errors
    assert not Business.objects.exists()


def test_the_desk_form_refuses_an_id_with_text_around_it(desk):
    """Over-long in the form, so Django's own length check refuses it first."""
    response = desk.post(ADD, form_data(ccus_id="ID:12345678901234号"))
    assert "ccus_id" in response.context["adminform"].form.errors
    assert not Business.objects.exists()


def test_the_desk_form_shows_and_takes_capital_with_thousands_separators(desk):
    response = desk.post(ADD, form_data(capital="３０,０００,０００円"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    business = Business.objects.get()
    assert business.capital == 30_000_000
    page = desk.get(reverse("admin:registrations_business_change", args=[business.pk])).content.decode()
    assert 'name="capital" value="30,000,000"' in page
    refused = desk.post(ADD, form_data(ccus_id="12345678901235", capital="三千万円"))
    assert "capital" in refused.context["adminform"].form.errors


def test_today_in_tokyo_is_not_the_future(tmp_path, desk):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([business_row(登録日=TODAY)]))
    call_command("import_businesses", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    response = desk.post(ADD, form_data(ccus_id="12345678901235", registered_on=TODAY, expires_on="2031-11-30"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Business.objects.filter(registered_on=datetime.date(2026, 11, 28)).count() == 2


def test_what_people_type_around_an_id_is_still_accepted(tmp_path):
    """Widths, spaces and hyphens are how people write numbers; they are not junk."""
    path = tmp_path / "register.csv"
    row = business_row(
        事業者ID="１２３４ ５６７８ ９０１２ ３４", 法人番号="5-8356-7825-6246", 登録日="２０２１／１２／１０"
    )
    path.write_bytes(csv_bytes([row]))
    call_command("import_businesses", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    business = Business.objects.get()
    assert (business.ccus_id, business.corporate_number) == ("12345678901234", VALID_CORPORATE_NUMBER)
    assert business.registered_on == datetime.date(2021, 12, 10)


def test_a_spreadsheet_datetime_is_a_date_and_nothing_else_is():
    """XLSX datetimes with a time of day come out as '2021-12-10 09:30:00': the date is certain."""
    assert cells.date("2021-12-10 09:30:00") == datetime.date(2021, 12, 10)
    assert cells.date("2021/12/10 0:00") == datetime.date(2021, 12, 10)
    for text in ("2021-12-10x", "2021-12-10 x", "2021-12-10 09:30 x", "x2021-12-10", "12/10/2021", "2021-12/10"):
        with pytest.raises(ValidationError):
            cells.date(text)


# The other files of the register: associations, memberships and links.
A, B = "10000000000001", "10000000000002"


@pytest.fixture
def register():
    AssociationFactory(code="TOBI")
    BusinessFactory(ccus_id=A)
    BusinessFactory(ccus_id=B)


OTHER_FILES = {
    "association name with U+202E": (
        "import_associations", "団体コード,団体名\nZENKEN,全国\u202e協会\n", Association, "団体名", "（U+202E）"
    ),
    "association name with a line break": (
        "import_associations", '団体コード,団体名\nZENKEN,"全国\n協会"\n', Association, "団体名", "改行"
    ),
    "membership 事業者ID with text around it": (
        "import_memberships", f"事業者ID,団体コード\nID:{A}号,TOBI\n", Membership, "事業者ID", "数字以外の文字"
    ),
    "membership 入会日 tomorrow": (
        "import_memberships", f"事業者ID,団体コード,入会日\n{A},TOBI,{TOMORROW}\n", Membership, "入会日", "未来の日付"
    ),
    "membership 入会日 with text after it": (
        "import_memberships", f"事業者ID,団体コード,入会日\n{A},TOBI,2024-04-01 頃\n", Membership, "入会日",
        "YYYY-MM-DD",
    ),
    "link 元請事業者ID with a trailing .2": (
        "import_links", f"元請事業者ID,下請事業者ID\n{A[:-1]}.2,{B}\n", SubcontractLink, "元請事業者ID",
        "数字以外の文字",
    ),
    "link 最終確認日 tomorrow": (
        "import_links", f"元請事業者ID,下請事業者ID,最終確認日\n{A},{B},{TOMORROW}\n", SubcontractLink, "最終確認日",
        "未来の日付",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(OTHER_FILES))
def test_the_other_imports_refuse_it(tmp_path, register, name):
    command, text, model, column, message = OTHER_FILES[name]
    before = model.objects.count()
    path = tmp_path / "file.csv"
    path.write_bytes(text.encode("utf-8"))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(command, str(path), stdout=io.StringIO(), stderr=err)
    assert f"2行目 {column}: " in err.getvalue() and message in err.getvalue(), err.getvalue()
    assert model.objects.count() == before


def test_the_association_form_refuses_an_invisible_character(client):
    client.force_login(staff_user(roles.SUPERVISOR))
    response = client.post(reverse("admin:registrations_association_add"), {"code": "ZENKEN", "name": "全国\u200b協会"})
    assert "「名称」に改行または見えない制御文字（U+200B）" in " ".join(
        response.context["adminform"].form.errors["name"]
    )
    assert not Association.objects.exists()
