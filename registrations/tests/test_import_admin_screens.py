"""What the desk reads on the import screens: every error in a table, a preview in its words."""

from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ccus import roles
from registrations.tests.factories import AssociationFactory, BusinessFactory, staff_user
from registrations.tests.files import business_row, csv_bytes

pytestmark = pytest.mark.django_db


class Tables(HTMLParser):
    """The rows of the page's tables with a class, each row as its cells' text."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.current: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.current = self.tables.setdefault(dict(attrs).get("class") or "", [])
        elif tag == "tr" and self.current is not None:
            self.current.append([])
        elif tag in ("td", "th") and self.current is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.current[-1].append("".join(self.cell).strip())
            self.cell = None
        elif tag == "table":
            self.current = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


@pytest.fixture
def desk(client):
    client.force_login(staff_user(roles.DESK))
    return client


def upload(client, model: str, data: bytes):
    url = f"/admin/registrations/{model}/import/"
    response = client.post(url, {"format": "0", "resource": "0", "import_file": SimpleUploadedFile("f.csv", data)})
    assert response.status_code == 200
    return response.content.decode()


def test_every_row_error_is_a_table_row_with_column_value_and_message(desk):
    rows = [
        business_row(),
        business_row(事業者ID="12345678901235", 法人番号="5835678256247"),
        business_row(事業者ID="12345678901236", 郵便番号="12-345", 業種="宇宙"),
    ]
    page = upload(desk, "business", csv_bytes(rows))
    table = Tables(page).tables["import-preview import-errors"]
    assert table[0] == ["行番号", "列", "ファイルの値", "エラー"]
    assert ["3", "法人番号", "5835678256247", "法人番号のチェックデジットが正しくありません。"] in table
    assert ["4", "郵便番号", "12-345", "郵便番号は7桁の数字で入力してください(例: 100-0001)。"] in table
    assert ["4", "業種", "宇宙", "業種が不明です: 宇宙"] in table
    assert len(table) == 4
    assert "行番号は見出し行を1行目として数えます" in page
    assert "validation-error-container" not in page  # nothing hidden behind a hover


def test_a_missing_column_is_listed_against_the_header_row(desk):
    header = [h for h in csv_bytes([]).decode("cp932").strip().split(",") if h != "商号"]
    page = upload(desk, "business", csv_bytes([business_row()], header=header))
    table = Tables(page).tables["import-preview import-errors"]
    assert table[1:] == [["1", "商号", "", "見出し行にこの列がありません。"]]


def test_the_business_preview_reads_as_the_desk_writes(desk):
    BusinessFactory(ccus_id="12345678901235", name="株式会社旧商号", postal_code="1000001")
    rows = [
        business_row(郵便番号="1000001", 業種="とび・土工・コンクリート・大工"),
        business_row(事業者ID="12345678901235", 商号="株式会社新商号", 法人番号="", 資本金="", 法人個人="個人"),
    ]
    page = upload(desk, "business", csv_bytes(rows))
    header, new, updated = Tables(page).tables["import-preview"]
    cells = dict(zip(header, new, strict=True))
    assert header[:3] == ["変更", "事業者ID", "法人番号"]
    assert cells["事業者ID"] == "12345678901234"
    assert cells["法人個人"] == "法人"
    assert cells["郵便番号"] == "100-0001"
    assert cells["業種"] == "大工、とび・土工・コンクリート"
    assert cells["資本金"] == "30,000,000"
    assert cells["一人親方"] == "いいえ"
    changed = dict(zip(header, updated, strict=True))
    assert changed["事業者ID"] == "12345678901235"
    assert changed["商号"] == "株式会社旧商号 → 株式会社新商号"
    assert changed["法人個人"] == "法人 → 個人"
    for english in ("corporation", "individual", "True", "False"):
        assert english not in page


def test_membership_and_link_previews_name_the_businesses(desk):
    BusinessFactory(ccus_id="12345678901234")
    BusinessFactory(ccus_id="12345678901235")
    AssociationFactory(code="TOKYO1")
    page = upload(desk, "membership", "事業者ID,団体コード,入会日\r\n12345678901234,tokyo1,2020-04-01\r\n".encode())
    assert Tables(page).tables["import-preview"] == [
        ["変更", "事業者ID", "団体コード", "入会日"],
        ["新規", "12345678901234", "TOKYO1", "2020-04-01"],
    ]
    page = upload(
        desk, "subcontractlink", "元請事業者ID,下請事業者ID,次数\r\n12345678901234,12345678901235,2\r\n".encode()
    )
    assert Tables(page).tables["import-preview"][1][:4] == ["新規", "12345678901234", "12345678901235", "2"]
