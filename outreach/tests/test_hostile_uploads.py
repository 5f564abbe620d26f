"""Hostile bounce lists and returned-mail ID lists, and uploads over the size limit in every admin upload.

Each hostile file is refused with a Japanese message on the page and nothing is written.
"""

import re
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import RequestFactory

from ccus import roles
from ccus.uploads import TooLargeUpload
from outreach.models import Bounce, ReturnedMail
from registrations.models import Association, Business, Membership, SubcontractLink
from registrations.tests.factories import BusinessFactory, staff_user
from registrations.tests.files import repeated, sheet_xml, workbook_bytes

pytestmark = pytest.mark.django_db
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
KNOWN_ID, KNOWN_EMAIL = "12345678901234", "sato@example.jp"
BOUNCES = "/admin/outreach/bounce/upload/"
RETURNED = "/admin/outreach/returnedmail/upload/"


def hostile_cases(header: str, good: str) -> dict[str, bytes]:
    """The cases of the import corpus that apply to a one-column list, around one good row."""
    return {
        "UTF-16": f"{header}\r\n{good}\r\n".encode("utf-16"),
        "mixed UTF-8 and CP932": f"{header}\r\n{good}\r\n".encode() + "株式会社髙橋工務店\r\n".encode("cp932"),
        "truncated inside a multibyte character": f"{header}\r\n{good}\r\n株式会社".encode()[:-1],
        "truncated inside a quoted cell": f'{header}\r\n"{good}'.encode(),
        "truncated value": f"{header}\r\n{good[:-3]}".encode(),
        "empty file": b"",
        "header only": f"{header}\r\n".encode("cp932"),
        "control character": f"{header}\r\n{good[:5]}\x07{good[5:]}\r\n".encode(),
        "NUL byte": f"{header}\r\n{good}\x00\r\n".encode(),
        "over-long value": f"{header}\r\n{good}\r\n{'9' * 200_000}\r\n".encode(),
        "formula": f'{header}\r\n{good}\r\n=HYPERLINK("http://evil.example","x")\r\n'.encode(),
        "HTML and script": f"{header}\r\n{good}\r\n<script>alert(1)</script>\r\n".encode(),
        "unknown ID": f"{header}\r\n{good}\r\n99999999999999\r\n".encode(),
        "binary garbage": bytes(range(256)) * 4,
    }


BOUNCE_CASES = hostile_cases("メールアドレス", KNOWN_EMAIL) | {
    "unknown address": f"メールアドレス\r\n{KNOWN_EMAIL}\r\nnobody@example.jp\r\n".encode(),
}
RETURNED_CASES = hostile_cases("事業者ID", KNOWN_ID)


@pytest.fixture
def desk(client):
    BusinessFactory(ccus_id=KNOWN_ID, email=KNOWN_EMAIL)
    client.force_login(staff_user(roles.DESK))
    return client


def refusal(response) -> str:
    """The page's error text; fails if the upload was accepted."""
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    errors = re.findall(r'<(?:ul class="errorlist"|div class="errornote")[^>]*>(.*?)</(?:ul|div)>', page, re.S)
    assert errors, page
    return " ".join(errors)


@pytest.mark.parametrize("case", list(BOUNCE_CASES))
def test_a_hostile_bounce_list_is_refused_in_japanese_and_records_nothing(desk, case):
    file = SimpleUploadedFile("bounces.csv", BOUNCE_CASES[case], content_type="text/csv")
    errors = refusal(desk.post(BOUNCES, {"file": file, "bounced_on": "2027-01-05"}))
    assert JAPANESE.search(errors), errors
    assert "<script>" not in errors
    assert not Bounce.objects.exists()
    assert not Business.objects.filter(email_bounced_since__isnull=False).exists()


@pytest.mark.parametrize("case", list(RETURNED_CASES))
def test_a_hostile_returned_mail_list_is_refused_in_japanese_and_records_nothing(desk, case):
    file = SimpleUploadedFile("ids.csv", RETURNED_CASES[case], content_type="text/csv")
    errors = refusal(desk.post(RETURNED, {"file": file, "returned_on": "2026-11-12"}))
    assert JAPANESE.search(errors), errors
    assert "<script>" not in errors
    assert not ReturnedMail.objects.exists()
    assert not Business.objects.filter(address_undeliverable_since__isnull=False).exists()


def test_an_over_long_value_is_quoted_cut_short(desk):
    file = SimpleUploadedFile("ids.csv", RETURNED_CASES["over-long value"])
    errors = refusal(desk.post(RETURNED, {"file": file, "returned_on": "2026-11-12"}))
    assert "9" * 40 + "…" in errors and "9" * 41 not in errors


def test_markup_in_a_bounce_list_is_shown_escaped(desk):
    file = SimpleUploadedFile("bounces.csv", BOUNCE_CASES["HTML and script"])
    page = desk.post(BOUNCES, {"file": file, "bounced_on": "2027-01-05"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


# Every admin page that takes a file: (url, file field, other fields, models that must stay empty).
IMPORT = {"format": "0", "resource": "0"}
UPLOADS = {
    "businesses": ("/admin/registrations/business/import/", "import_file", IMPORT, [Business]),
    "associations": ("/admin/registrations/association/import/", "import_file", IMPORT, [Association]),
    "memberships": ("/admin/registrations/membership/import/", "import_file", IMPORT, [Membership]),
    "links": ("/admin/registrations/subcontractlink/import/", "import_file", IMPORT, [SubcontractLink]),
    "bounces": (BOUNCES, "file", {"bounced_on": "2027-01-05"}, [Bounce]),
    "returned mail": (RETURNED, "file", {"returned_on": "2026-11-12"}, [ReturnedMail]),
}


@pytest.mark.parametrize("page", list(UPLOADS))
def test_a_file_over_the_limit_is_refused_with_the_limit_named(admin_client, settings, page):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    url, field, fields, models = UPLOADS[page]
    # Valid text all the way, so only the size can refuse it.
    data = ("事業者ID\r\n" + "12345678901234\r\n" * 100_000).encode()  # 1.6 MB
    response = admin_client.post(url, {**fields, field: SimpleUploadedFile("big.csv", data)})
    errors = refusal(response)
    assert "1MB" in errors.replace(" ", "") and JAPANESE.search(errors), errors
    assert all(not model.objects.exists() for model in models)


def test_an_upload_past_the_limit_is_cut_off_while_it_streams_in(settings):
    """The parser keeps the limit's worth of bytes at most; the form sees the true size."""
    settings.IMPORT_MAX_UPLOAD_MB = 1
    size = 3 * 1024 * 1024
    upload = RequestFactory().post("/", {"file": SimpleUploadedFile("big.csv", b"1" * size)}).FILES["file"]
    assert isinstance(upload, TooLargeUpload)
    assert upload.size == size and upload.read() == b""


def test_an_upload_within_the_limit_reaches_the_form_whole(settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    data = b"12345678901234\r\n" * 1000
    upload = RequestFactory().post("/", {"file": SimpleUploadedFile("small.csv", data)}).FILES["file"]
    assert not isinstance(upload, TooLargeUpload)
    assert upload.read() == data


# The lists read by the same reader as the imports: the same structure refused, the same accepted.
LISTS = {
    "bounces": (BOUNCES, {"bounced_on": "2027-01-05"}, "メールアドレス", KNOWN_EMAIL, Bounce),
    "returned mail": (RETURNED, {"returned_on": "2026-11-12"}, "事業者ID", KNOWN_ID, ReturnedMail),
}
LIST_STRUCTURE = {
    "mixed line endings": (lambda h, v: f"{h}\r\n{v}\n{v}\r\n".encode(), "混在"),
    "data on a hidden sheet": (
        lambda h, v: workbook_bytes({"表紙": sheet_xml([]), "一覧": sheet_xml([[h], [v]])}, hidden=("一覧",)),
        "非表示",
    ),
    "data on two sheets": (
        lambda h, v: workbook_bytes({"A": sheet_xml([[h], [v]]), "B": sheet_xml([[h], [v]])}),
        "2枚",
    ),
    "formula without its result": (lambda h, v: workbook_bytes({"S": sheet_xml([[h], [v], ["=A2"]])}), "計算結果"),
}


@pytest.mark.parametrize("page", list(LISTS))
@pytest.mark.parametrize("case", list(LIST_STRUCTURE))
def test_a_list_of_uncertain_structure_is_refused_like_an_import(desk, page, case):
    url, fields, header, value, model = LISTS[page]
    make, named = LIST_STRUCTURE[case]
    errors = refusal(desk.post(url, {**fields, "file": SimpleUploadedFile("list.bin", make(header, value))}))
    assert named in errors, errors
    assert not model.objects.exists()


@pytest.mark.parametrize("page", list(LISTS))
@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_a_list_with_any_one_line_ending_is_read_like_an_import(desk, page, ending):
    url, fields, header, value, model = LISTS[page]
    data = f"{header}{ending}{value}{ending}".encode()
    response = desk.post(url, {**fields, "file": SimpleUploadedFile("list.csv", data)})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert model.objects.count() == 1


@pytest.mark.parametrize("page", list(LISTS))
def test_a_list_saved_as_xlsx_is_read_like_an_import(desk, page):
    url, fields, header, value, model = LISTS[page]
    data = workbook_bytes({"一覧": sheet_xml([[header], [value]])})
    response = desk.post(url, {**fields, "file": SimpleUploadedFile("list.xlsx", data)})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert model.objects.count() == 1


def shared_strings_bomb() -> bytes:
    """1.2 MB in the reviewer's case; here 60 MB of shared strings in ≈60 KB of XLSX."""
    shared = repeated(
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>事業者ID</t></si>',
        "<si><t>株式会社</t></si>",
        2_000_000,
        "</sst>",
    )
    sheet = sheet_xml([["事業者ID"]]).replace(
        '<c r="A1" t="inlineStr"><is><t>事業者ID</t></is></c>', '<c r="A1" t="s"><v>0</v></c>'
    )
    return workbook_bytes({"Sheet1": sheet}, shared=shared)


@pytest.mark.parametrize("page", list(UPLOADS))
def test_a_workbook_bomb_is_refused_on_every_upload_page_in_bounded_memory(admin_client, page):
    url, field, fields, models = UPLOADS[page]
    data = shared_strings_bomb()
    tracemalloc.start()
    try:
        response = admin_client.post(url, {**fields, field: SimpleUploadedFile("bomb.xlsx", data)})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    errors = refusal(response)
    assert "展開" in errors, errors
    assert peak < 40 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert all(not model.objects.exists() for model in models)
