"""The admin import: a dry-run preview, row errors with row and column, size limit, confirm."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ccus import roles
from registrations.models import Business
from registrations.tests.factories import BusinessFactory, staff_user
from registrations.tests.files import business_row, csv_bytes

pytestmark = pytest.mark.django_db
URL = "/admin/registrations/business/import/"


@pytest.fixture
def desk(client):
    client.force_login(staff_user(roles.DESK))
    return client


def upload(client, data: bytes, name="register.csv"):
    return client.post(URL, {"format": "0", "resource": "0", "import_file": SimpleUploadedFile(name, data)})


def test_the_changelist_offers_import_and_exports(desk):
    page = desk.get("/admin/registrations/business/").content.decode()
    assert URL in page
    assert "/admin/registrations/business/export/csv_cp932/" in page


def test_a_good_file_shows_a_preview_then_imports_on_confirm(desk):
    BusinessFactory(ccus_id="12345678901235", name="株式会社旧商号")
    data = csv_bytes([business_row(), business_row(事業者ID="12345678901235", 商号="株式会社新商号")])
    response = upload(desk, data)
    page = response.content.decode()
    assert "2行: 新規 1件、更新 1件、変更なし 0件（確認のみ: 何も書き込んでいません）" in page
    assert "<del>株式会社旧商号</del> → <ins>株式会社新商号</ins>" in page
    assert Business.objects.count() == 1

    confirm = response.context["confirm_form"].initial
    response = desk.post("/admin/registrations/business/process_import/", confirm, follow=True)
    assert "2行: 新規 1件、更新 1件、変更なし 0件" in response.content.decode()
    assert Business.objects.get(ccus_id="12345678901235").name == "株式会社新商号"
    assert Business.objects.count() == 2


def test_a_file_with_a_bad_row_shows_each_error_and_offers_no_confirm(desk):
    data = csv_bytes([business_row(), business_row(事業者ID="12345678901235", 法人番号="5835678256247")])
    response = upload(desk, data)
    page = response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert "1行に1件のエラーがあります。何も取り込んでいません" in page
    assert re.search(
        r"<td class=\"import-row\">3</td>.*法人番号.*法人番号のチェックデジットが正しくありません", page, re.S
    )
    assert not Business.objects.exists()


def test_an_upload_over_the_limit_is_refused_with_a_japanese_message(desk, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    response = upload(desk, b"x" * (1024 * 1024 + 1))
    assert "管理画面から取り込めるのは1MBまでです" in response.content.decode()


def test_an_operator_cannot_import(client):
    client.force_login(staff_user(roles.OPERATOR))
    assert client.get(URL).status_code == 403
