"""The admin import when things go wrong: a Japanese message, nothing written twice, no file left."""

import datetime
import tempfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from ccus import roles
from registrations import tasks
from registrations.models import Business
from registrations.tests.factories import staff_user
from registrations.tests.files import business_row, csv_bytes

pytestmark = pytest.mark.django_db
URL = "/admin/registrations/business/import/"
CONFIRM = "/admin/registrations/business/process_import/"
MORNING = datetime.datetime(2026, 11, 27, 1, tzinfo=datetime.UTC)


def private_directories(tmp_path, settings, monkeypatch):
    """MEDIA_ROOT and the temporary directory of this test, to see what a request leaves behind."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


@pytest.fixture(autouse=True)
def spool(tmp_path, settings, monkeypatch):
    return private_directories(tmp_path, settings, monkeypatch)


def leftovers(spool) -> list[str]:
    return sorted(str(path.relative_to(spool)) for path in spool.rglob("*") if path.is_file())


@pytest.fixture
def desk(client):
    client.force_login(staff_user(roles.DESK))
    return client


def preview(client, data: bytes, name="register.csv"):
    return client.post(URL, {"format": "0", "resource": "0", "import_file": SimpleUploadedFile(name, data)})


def good_file() -> bytes:
    return csv_bytes([business_row(), business_row(事業者ID="12345678901235")])


def error_messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"] if m.level_tag == "error")


@time_machine.travel(MORNING, tick=False)
def test_replaying_the_confirm_imports_nothing_twice_and_says_so_in_japanese(desk, spool):
    confirm = preview(desk, good_file()).context["confirm_form"].initial
    first = desk.post(CONFIRM, confirm, follow=True)
    assert "2行: 新規 2件" in first.content.decode()
    history = Business.history.count()

    replay = desk.post(CONFIRM, confirm, follow=True)

    assert replay.status_code == 200
    assert replay.redirect_chain[-1][0] == URL
    assert "既に取り込まれたか" in error_messages(replay)
    assert Business.objects.count() == 2
    assert Business.history.count() == history
    assert leftovers(spool) == []


@pytest.mark.parametrize(("field", "value"), [("format", "7"), ("resource", "7"), ("format", "²"), ("format", "-1")])
def test_a_confirm_with_an_unknown_format_or_kind_is_refused_in_japanese(desk, spool, field, value):
    confirm = {**preview(desk, good_file()).context["confirm_form"].initial, field: value}
    response = desk.post(CONFIRM, confirm, follow=True)
    assert response.status_code == 200
    assert "知らないファイル形式または行の種類" in error_messages(response)
    assert not Business.objects.exists()


def test_an_upload_with_an_unknown_format_number_is_refused_in_japanese(desk, spool):
    response = desk.post(URL, {"format": "7", "resource": "0", "import_file": SimpleUploadedFile("a.csv", good_file())})
    assert response.status_code == 200
    assert "7 は候補にありません" in response.content.decode()
    assert leftovers(spool) == []


def test_a_preview_with_errors_and_a_confirmed_import_leave_no_file(desk, spool):
    preview(desk, csv_bytes([business_row(法人番号="5835678256247")]))
    assert leftovers(spool) == []
    confirm = preview(desk, good_file()).context["confirm_form"].initial
    assert leftovers(spool) != []  # waiting for its confirm, under MEDIA_ROOT
    assert all(path.startswith("media/imports/pending/") for path in leftovers(spool))
    desk.post(CONFIRM, confirm)
    assert leftovers(spool) == []


def test_an_abandoned_preview_is_removed_once_a_day_old(desk, spool):
    with time_machine.travel(MORNING, tick=False):
        preview(desk, good_file())
    with time_machine.travel(MORNING + datetime.timedelta(hours=23), tick=False):
        assert tasks.pending_uploads_sweep_task.delay().get() == 0
        assert leftovers(spool) != []
    with time_machine.travel(MORNING + datetime.timedelta(hours=25), tick=False):
        assert tasks.pending_uploads_sweep_task.delay().get() == 1
        assert leftovers(spool) == []


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 not really a workbook", "XLSXとして読めませんでした"),
        (csv_bytes([]), "見出し行の下に取り込む行がありません"),
    ],
    ids=["broken xlsx", "header only"],
)
def test_a_file_that_cannot_be_read_shows_the_japanese_reason_and_leaves_no_file(desk, spool, data, reason):
    response = preview(desk, data)
    page = response.content.decode()
    assert reason in page
    assert "TabularError" not in page
    assert "encountered" not in page and "No valid data" not in page
    assert leftovers(spool) == []


def test_a_confirm_for_someone_elses_upload_imports_nothing(desk, client, spool):
    confirm = preview(desk, good_file()).context["confirm_form"].initial
    client.force_login(staff_user(roles.DESK, "desk2"))
    response = client.post(CONFIRM, confirm, follow=True)
    assert "既に取り込まれたか" in error_messages(response)
    assert not Business.objects.exists()
