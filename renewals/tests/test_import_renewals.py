import datetime

import pytest
from django.core.management import CommandError, call_command

from registrations.tests.factories import BusinessFactory
from renewals import services
from renewals.models import RenewalCase

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def businesses():
    made = [
        BusinessFactory(ccus_id=f"1000000000000{i}", expires_on=D(2026, 12, 31), capital=10_000_000) for i in range(4)
    ]
    services.terms_sync()
    return made


def write(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "renewals.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_applications_and_approvals_from_a_cp932_file(tmp_path, businesses, capsys):
    path = write(
        tmp_path,
        "事業者ID,申請日,承認日\r\n10000000000000,2026/10/01,\r\n10000000000001,2026-10-02,2026-10-20\r\n"
        "10000000000002,,\r\n",
        "cp932",
    )
    with pytest.raises(CommandError):
        call_command("import_renewals", str(path))  # row 4 gives neither date
    assert "4行目" in capsys.readouterr().err
    assert not RenewalCase.objects.exists()

    path = write(
        tmp_path,
        "事業者ID,申請日,承認日\r\n10000000000000,2026/10/01,\r\n10000000000001,2026-10-02,2026-10-20\r\n",
        "cp932",
    )
    call_command("import_renewals", str(path))
    assert "2行: 新規 2件、更新 0件、変更なし 0件" in capsys.readouterr().out
    pending = RenewalCase.objects.get(business=businesses[0])
    approved = RenewalCase.objects.get(business=businesses[1])
    assert (pending.status, pending.channel, pending.fee) == ("pending", "file", 24_000)
    assert (approved.status, approved.approved_on) == ("approved", D(2026, 10, 20))
    businesses[1].refresh_from_db()
    assert businesses[1].expires_on == D(2031, 12, 31)


def test_the_same_file_again_changes_nothing(tmp_path, businesses, capsys):
    path = write(tmp_path, "事業者ID,申請日,承認日\n10000000000000,2026-10-01,\n10000000000001,2026-10-02,2026-10-20\n")
    call_command("import_renewals", str(path))
    capsys.readouterr()
    call_command("import_renewals", str(path))
    assert "2行: 新規 0件、更新 0件、変更なし 2件" in capsys.readouterr().out
    assert RenewalCase.objects.count() == 2


def test_an_approval_for_an_earlier_application(tmp_path, businesses):
    services.renewal_record_application(business=businesses[2], received_on=D(2026, 9, 1), channel="online")
    call_command("import_renewals", str(write(tmp_path, "事業者ID,申請日,承認日\n10000000000002,,2026-09-15\n")))
    case = RenewalCase.objects.get()
    assert (case.status, case.approved_on) == ("approved", D(2026, 9, 15))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("99999999999999,2026-10-01,", "事業者ID 99999999999999 の事業者はありません"),
        ("10000000000000,2026-02-30,", "存在しない日付"),
        ("1.0E+13,2026-10-01,", "指数表記"),
        ("10000000000000,2026-05-01,", "更新申請は 2026-07-01 から"),
        ("10000000000003,,2026-10-01", "承認する申請がありません"),
    ],
)
def test_every_bad_row_is_reported_in_japanese_and_nothing_written(tmp_path, businesses, capsys, line, message):
    text = f"事業者ID,申請日,承認日\n10000000000001,2026-10-02,\n{line}\n"
    with pytest.raises(CommandError):
        call_command("import_renewals", str(write(tmp_path, text)))
    err = capsys.readouterr().err
    assert "3行目" in err and message in err
    assert not RenewalCase.objects.exists()


def test_dry_run_writes_nothing(tmp_path, businesses, capsys):
    call_command(
        "import_renewals", str(write(tmp_path, "事業者ID,申請日,承認日\n10000000000000,2026-10-01,\n")), "--dry-run"
    )
    assert not RenewalCase.objects.exists()
