"""A supervisor corrects a registration's dates, with a reason kept in the history."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from ccus import roles
from registrations.models import Business
from registrations.tests.factories import BusinessFactory, staff_user
from renewals import corrections, services
from renewals.models import Term

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC)
REASON = "登録時に有効期限を誤入力（申請書の写しで確認）"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def business():
    business = BusinessFactory(registered_on=D(2021, 12, 10), expires_on=D(2031, 12, 31))  # typed as ten years
    services.terms_sync(business_ids=[business.pk])
    return business


def url(business) -> str:
    return reverse("admin:registrations_business_correct_dates", args=[business.pk])


@pytest.fixture
def supervisor(client):
    user = staff_user(roles.SUPERVISOR, "sv1")
    client.force_login(user)
    client.user = user
    return client


def test_the_supervisor_corrects_the_expiry_with_a_reason_and_the_history_shows_it(supervisor, business):
    change_page = reverse("admin:registrations_business_change", args=[business.pk])
    assert url(business) in supervisor.get(change_page).content.decode()
    form = supervisor.get(url(business)).content.decode()
    assert "訂正の理由" in form
    assert 'value="2031-12-31"' in form  # starts from the dates as they are

    response = supervisor.post(
        url(business), {"registered_on": "2021-12-10", "expires_on": "2026-12-31", "reason": REASON}
    )
    assert response.status_code == 302

    business.refresh_from_db()
    term = Term.objects.get(business=business, is_current=True)
    assert (business.expires_on, term.expires_on) == (D(2026, 12, 31), D(2026, 12, 31))
    for record in (term.history.first(), business.history.first()):
        assert (record.history_change_reason, record.history_user) == (f"訂正: {REASON}", supervisor.user)
    page = supervisor.get(change_page).content.decode()
    assert f"訂正: {REASON}" in page  # on the term history
    assert "有効期限: 2031-12-31 → 2026-12-31" in page


def test_a_correction_without_a_reason_is_refused_in_japanese(supervisor, business):
    response = supervisor.post(
        url(business), {"registered_on": "2021-12-10", "expires_on": "2026-12-31", "reason": "  "}
    )
    assert response.status_code == 200
    assert "訂正の理由を入力してください（履歴に残ります）。" in response.content.decode()
    with translation.override("ja"), pytest.raises(services.RenewalError, match="訂正の理由を入力してください"):
        corrections.registration_dates_correct(
            business=business, registered_on=D(2021, 12, 10), expires_on=D(2026, 12, 31), reason=" ", user=None
        )
    business.refresh_from_db()
    assert (business.expires_on, Term.objects.get(business=business).expires_on) == (D(2031, 12, 31), D(2031, 12, 31))


def test_correcting_the_registration_date_moves_the_start_of_its_term(supervisor, business):
    data = {"registered_on": "2021-11-10", "expires_on": "2026-11-30", "reason": "登録日の誤り"}
    assert supervisor.post(url(business), data).status_code == 302
    business.refresh_from_db()
    term = Term.objects.get(business=business)
    assert (business.registered_on, business.expires_on) == (D(2021, 11, 10), D(2026, 11, 30))
    assert (term.starts_on, term.expires_on) == (D(2021, 11, 10), D(2026, 11, 30))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"registered_on": "2021-12-10", "expires_on": "2031-12-31"}, "訂正する内容がありません"),
        ({"registered_on": "2021-12-10", "expires_on": "2021-12-01"}, "期間の開始日 2021-12-10 より後"),
        ({"registered_on": "2027-01-05", "expires_on": "2031-12-31"}, "未来の日付"),
    ],
)
def test_a_correction_the_rules_forbid_is_refused_and_changes_nothing(supervisor, business, data, message):
    response = supervisor.post(url(business), {**data, "reason": "確認のため"})
    assert response.status_code == 200
    assert message in response.content.decode()
    business.refresh_from_db()
    assert (business.registered_on, business.expires_on) == (D(2021, 12, 10), D(2031, 12, 31))
    assert Term.objects.get(business=business).expires_on == D(2031, 12, 31)


@pytest.mark.parametrize("role", [roles.DESK, roles.OPERATOR])
def test_only_supervisors_and_administrators_may_correct(client, business, role):
    client.force_login(staff_user(role))
    assert client.get(url(business)).status_code == 403
    assert (
        url(business)
        not in client.get(reverse("admin:registrations_business_change", args=[business.pk])).content.decode()
    )
    assert (
        client.post(
            url(business), {"registered_on": "2021-12-10", "expires_on": "2026-12-31", "reason": "x"}
        ).status_code
        == 403
    )
    assert Business.objects.get(pk=business.pk).expires_on == D(2031, 12, 31)
