import datetime

import pytest
import time_machine
from django.urls import reverse

from ccus import roles
from registrations.tests.factories import BusinessFactory, staff_user
from renewals import services
from renewals.models import RenewalCase, Term

pytestmark = pytest.mark.django_db
D = datetime.date
CHANGELIST = reverse("admin:registrations_business_changelist")
TODAY = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def desk(client):
    user = staff_user(roles.DESK)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_changelist_filters_by_renewal_status_and_days_left(desk):
    soon = BusinessFactory(expires_on=D(2026, 12, 31))
    later = BusinessFactory(expires_on=D(2029, 12, 31))
    services.terms_sync()
    response = desk.get(CHANGELIST, {"renewal_status": "window_open"})
    assert list(response.context["cl"].result_list) == [soon]
    response = desk.get(CHANGELIST, {"days_left": "60"})
    assert list(response.context["cl"].result_list) == [soon]
    response = desk.get(CHANGELIST, {"renewal_status": "active"})
    assert list(response.context["cl"].result_list) == [later]


def test_business_page_shows_days_left_status_and_history(desk):
    business = BusinessFactory(expires_on=D(2026, 12, 31))
    services.terms_sync()
    page = desk.get(reverse("admin:registrations_business_change", args=[business.pk])).content.decode()
    assert "残り34日" in page
    assert "更新申請受付期間" in page
    assert "2021年12月10日" in page  # the term's start, in the history


def test_desk_records_applications_for_many_at_once(desk):
    businesses = [BusinessFactory(expires_on=D(2027, 1, 31)) for _ in range(3)]
    too_early = BusinessFactory(expires_on=D(2028, 1, 31))
    services.terms_sync()
    selected = [b.pk for b in [*businesses, too_early]]
    form_page = desk.post(CHANGELIST, {"action": "record_application", "_selected_action": selected})
    assert form_page.status_code == 200
    assert "申請受付日" in form_page.content.decode()

    response = desk.post(
        CHANGELIST,
        {
            "action": "record_application",
            "_selected_action": selected,
            "apply": "1",
            "received_on": "2026-11-27",
            "channel": "desk",
        },
        follow=True,
    )
    page = response.content.decode()
    for business in businesses:  # each named, with what happened
        assert f"{business.name}: 更新申請を受け付けました（手数料 24,000円）" in page
    assert "更新申請は 2027年8月1日 から" in page or "2027-08-01" in page
    cases = RenewalCase.objects.filter(status="pending")
    assert cases.count() == 3
    assert {c.received_by for c in cases} == {desk.user}
    assert {c.fee for c in cases} == {24_000}


def test_desk_approves_from_the_business_page(desk):
    business = BusinessFactory(expires_on=D(2026, 12, 31))
    services.terms_sync()
    services.renewal_record_application(business=business, received_on=D(2026, 11, 20), channel="online")
    url = reverse("admin:registrations_business_approve_application", args=[business.pk])
    assert desk.get(url).status_code == 200
    response = desk.post(url, {"approved_on": "2026-11-27"})
    assert response.status_code == 302
    business.refresh_from_db()
    assert business.expires_on == D(2031, 12, 31)


def test_business_page_step_shows_the_rule_that_refused_it(desk):
    business = BusinessFactory(expires_on=D(2026, 12, 31))
    services.terms_sync()
    url = reverse("admin:registrations_business_approve_application", args=[business.pk])
    response = desk.post(url, {"approved_on": "2026-11-27"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("承認待ちの申請はありません。") == 1  # said once, and no form to fill in
    assert 'name="approved_on"' not in page
    business.refresh_from_db()
    assert business.expires_on == D(2026, 12, 31)


def test_bad_dates_are_refused_with_a_message(desk):
    business = BusinessFactory(expires_on=D(2026, 12, 31))
    url = reverse("admin:registrations_business_record_application", args=[business.pk])
    response = desk.post(url, {"received_on": "2026-02-30", "channel": "desk"})
    assert response.status_code == 200
    assert "2026-02-30 は存在しない日付です" in response.content.decode()  # as the import says it
    assert not RenewalCase.objects.exists()


def test_operator_cannot_record_applications(client):
    client.force_login(staff_user(roles.OPERATOR))
    business = BusinessFactory()
    url = reverse("admin:registrations_business_record_application", args=[business.pk])
    assert client.post(url, {"received_on": "2026-11-27", "channel": "desk"}).status_code == 403
    assert not RenewalCase.objects.exists()


def test_register_again_after_lapse_from_the_business_page(desk):
    business = BusinessFactory(expires_on=D(2026, 10, 31))
    services.terms_sync()
    services.mark_lapsed(today=D(2026, 11, 1))
    url = reverse("admin:registrations_business_register_again", args=[business.pk])
    assert desk.post(url, {"registered_on": "2026-11-27"}).status_code == 302
    assert Term.objects.filter(business=business).count() == 2


def test_fee_schedule_is_editable_by_supervisors_only(client, desk):
    add_url = reverse("admin:renewals_feerate_add")
    assert desk.get(add_url).status_code == 403
    client.force_login(staff_user(roles.SUPERVISOR))
    response = client.post(add_url, {"capital_band": "3", "effective_from": "2027-04-01", "amount": "30000"})
    assert response.status_code == 302


def test_renewal_case_changelist_approves_in_bulk(client):
    client.force_login(staff_user(roles.SUPERVISOR))
    business = BusinessFactory(expires_on=D(2026, 12, 31))
    services.terms_sync()
    case = services.renewal_record_application(business=business, received_on=D(2026, 11, 20), channel="online")
    url = reverse("admin:renewals_renewalcase_changelist")
    assert client.get(url).status_code == 200
    client.post(url, {"action": "approve_today", "_selected_action": [case.pk]})
    case.refresh_from_db()
    assert (case.status, case.approved_on) == ("approved", D(2026, 11, 27))
