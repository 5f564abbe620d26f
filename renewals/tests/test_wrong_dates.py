"""Renewal dates that are well-formed but wrong, refused alike by the service, the file and the desk.

Applications, approvals and registrations are things that have happened: a date after
today (in Tokyo) is refused. An application dated after the expiry is told so, with
what to do (再登録), not that the business "has lapsed". Time is frozen at 00:30 on
2026-11-28 in Tokyo (still the 27th in UTC).
"""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from ccus import roles
from registrations.tests.factories import BusinessFactory, staff_user
from renewals import services
from renewals.models import RenewalCase, Term

pytestmark = pytest.mark.django_db
D = datetime.date
NOW = datetime.datetime(2026, 11, 27, 15, 30, tzinfo=datetime.UTC)  # 2026-11-28 00:30 in Tokyo
TODAY, TOMORROW = D(2026, 11, 28), D(2026, 11, 29)
OPEN, EXPIRED = "10000000000001", "10000000000002"
CHANGELIST = reverse("admin:registrations_business_changelist")
AFTER_EXPIRY = "申請日 2026-11-02 は登録の有効期限（2026-10-31）より後です"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def window_open():
    """Expires 2026-12-31: its renewal window opened on 2026-07-01."""
    business = BusinessFactory(ccus_id=OPEN, expires_on=D(2026, 12, 31))
    services.terms_sync()
    return business


@pytest.fixture
def expired():
    """Expired 2026-10-31, not yet recorded as lapsed."""
    business = BusinessFactory(ccus_id=EXPIRED, expires_on=D(2026, 10, 31))
    services.terms_sync()
    return business


@pytest.fixture
def desk(client):
    client.force_login(staff_user(roles.DESK))
    return client


# The service


def test_the_service_refuses_an_application_received_tomorrow(window_open):
    with pytest.raises(services.RenewalError, match="申請受付日: 2026-11-29 は未来の日付です"):
        services.renewal_record_application(business=window_open, received_on=TOMORROW, channel="desk")
    assert not RenewalCase.objects.exists()


def test_the_service_takes_today_in_tokyo(window_open):
    case = services.renewal_record_application(business=window_open, received_on=TODAY, channel="desk")
    assert services.renewal_approve(case=case, approved_on=TODAY).expires_on == D(2031, 12, 31)


def test_the_service_refuses_an_approval_dated_tomorrow(window_open):
    case = services.renewal_record_application(business=window_open, received_on=TODAY, channel="desk")
    with pytest.raises(services.RenewalError, match="承認日: 2026-11-29 は未来の日付です"):
        services.renewal_approve(case=case, approved_on=TOMORROW)
    case.refresh_from_db()
    assert (case.status, case.approved_on) == (RenewalCase.Status.PENDING, None)


def test_the_service_refuses_to_register_again_tomorrow(expired):
    services.mark_lapsed(today=TODAY)
    with pytest.raises(services.RenewalError, match="登録日: 2026-11-29 は未来の日付です"):
        services.registration_restart(business=expired, registered_on=TOMORROW)
    assert Term.objects.filter(business=expired).count() == 1


def test_the_service_says_an_application_after_expiry_is_after_expiry(expired):
    with pytest.raises(services.RenewalError) as refused:
        services.renewal_record_application(business=expired, received_on=D(2026, 11, 2), channel="post")
    assert AFTER_EXPIRY in str(refused.value) and "再登録" in str(refused.value)
    assert "失効" not in str(refused.value)


# The file


def import_renewals(tmp_path, text: str) -> str:
    path = tmp_path / "renewals.csv"
    path.write_bytes(f"事業者ID,申請日,承認日\n{text}\n".encode())
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_renewals", str(path), stdout=io.StringIO(), stderr=err)
    assert not RenewalCase.objects.exists()
    return err.getvalue()


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        (f"{OPEN},2026-11-29,", "申請日", "2026-11-29 は未来の日付です"),
        (f"{OPEN},2026-11-20,2026-11-29", "承認日", "2026-11-29 は未来の日付です"),
        (f"{OPEN},2026-11-20 頃,", "申請日", "YYYY-MM-DD"),
        (f"ID:{OPEN}号,2026-11-20,", "事業者ID", "数字以外の文字"),
        (f"{OPEN[:-1]}.2,2026-11-20,", "事業者ID", "数字以外の文字"),
    ],
    ids=["application tomorrow", "approval tomorrow", "date with text after it", "ID:…号", "trailing .2"],
)
def test_the_renewals_file_refuses_it(tmp_path, window_open, line, column, message):
    err = import_renewals(tmp_path, line)
    assert f"2行目 {column}: " in err and message in err, err


def test_the_renewals_file_says_an_application_after_expiry_is_after_expiry(tmp_path, expired):
    err = import_renewals(tmp_path, f"{EXPIRED},2026-11-02,")
    assert AFTER_EXPIRY in err and "再登録" in err and "失効" not in err, err


# The desk


def test_the_desk_cannot_record_an_application_received_tomorrow(desk, window_open):
    url = reverse("admin:registrations_business_record_application", args=[window_open.pk])
    response = desk.post(url, {"received_on": "2026-11-29", "channel": "desk"})
    assert "2026-11-29 は未来の日付です" in " ".join(response.context["form"].errors["received_on"])
    assert not RenewalCase.objects.exists()


def test_the_desk_cannot_record_applications_received_tomorrow_for_many(desk, window_open):
    data = {"action": "record_application", "_selected_action": [window_open.pk], "apply": "1", "channel": "desk"}
    response = desk.post(CHANGELIST, {**data, "received_on": "2026-11-29"})
    assert "2026-11-29 は未来の日付です" in " ".join(response.context["form"].errors["received_on"])
    assert not RenewalCase.objects.exists()


def test_the_desk_cannot_approve_tomorrow(desk, window_open):
    case = services.renewal_record_application(business=window_open, received_on=TODAY, channel="desk")
    url = reverse("admin:registrations_business_approve_application", args=[window_open.pk])
    response = desk.post(url, {"approved_on": "2026-11-29"})
    assert "2026-11-29 は未来の日付です" in " ".join(response.context["form"].errors["approved_on"])
    case.refresh_from_db()
    assert case.status == RenewalCase.Status.PENDING


def test_the_desk_cannot_register_again_tomorrow(desk, expired):
    services.mark_lapsed(today=TODAY)
    url = reverse("admin:registrations_business_register_again", args=[expired.pk])
    response = desk.post(url, {"registered_on": "2026-11-29"})
    assert "2026-11-29 は未来の日付です" in " ".join(response.context["form"].errors["registered_on"])
    assert Term.objects.filter(business=expired).count() == 1


def test_the_desk_is_told_an_application_after_expiry_is_after_expiry(desk, expired):
    url = reverse("admin:registrations_business_record_application", args=[expired.pk])
    response = desk.post(url, {"received_on": "2026-11-02", "channel": "post"})
    page = response.content.decode()
    assert AFTER_EXPIRY in page and "再登録" in page
    data = {"action": "record_application", "_selected_action": [expired.pk], "apply": "1", "channel": "post"}
    response = desk.post(CHANGELIST, {**data, "received_on": "2026-11-02"}, follow=True)
    assert AFTER_EXPIRY in response.content.decode()
    assert not RenewalCase.objects.exists()


def test_the_desk_takes_an_application_received_today_in_tokyo(desk, window_open):
    url = reverse("admin:registrations_business_record_application", args=[window_open.pk])
    assert desk.post(url, {"received_on": "2026-11-28", "channel": "desk"}).status_code == 302
    assert RenewalCase.objects.get().received_on == TODAY
