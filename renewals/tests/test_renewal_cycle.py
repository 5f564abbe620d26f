"""A business's renewal cycle in time travel: early, last day, late approval, lapse."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from registrations.models import Business
from registrations.tests.factories import BusinessFactory
from renewals import selectors, services, tasks, terms
from renewals.models import FeeRate, RenewalCase, RenewalStatus, Term

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def after_the_story():
    """Every date below has passed: applications, approvals and registrations cannot be in the future."""
    with time_machine.travel(datetime.datetime(2027, 4, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def business():
    """Registered 2021-12-10, so valid to 2026-12-31; capital ¥10M (fee ¥24,000)."""
    business = BusinessFactory(registered_on=D(2021, 12, 10), expires_on=D(2026, 12, 31), capital=10_000_000)
    services.terms_sync()
    return business


def status(business, today):
    return selectors.status_of(business, today=today)


def test_a_new_business_gets_its_first_term(business):
    term = Term.objects.get(business=business)
    assert (term.starts_on, term.expires_on, term.is_current) == (D(2021, 12, 10), D(2026, 12, 31), True)
    assert services.terms_sync() == {"created": 0, "moved": 0, "reregistered": 0, "copied": 0}


def test_current_term_syncs_only_its_own_business_not_the_register():
    """Just after an import no business has a term yet: asking for one business's term
    (an application at the desk) gives it its term, and leaves the rest to the scan."""
    imported = BusinessFactory.create_batch(3, registered_on=D(2021, 12, 10), expires_on=D(2026, 12, 31))
    term = services.current_term(imported[1])
    assert (term.business_id, term.expires_on) == (imported[1].pk, D(2026, 12, 31))
    assert list(Term.objects.values_list("business_id", flat=True)) == [imported[1].pk]


def test_status_moves_through_the_cycle(business):
    assert status(business, D(2026, 6, 30)) == RenewalStatus.ACTIVE
    assert status(business, D(2026, 7, 1)) == RenewalStatus.WINDOW_OPEN
    assert status(business, D(2027, 1, 1)) == RenewalStatus.LAPSED


def test_early_renewal_keeps_the_full_five_years(business):
    with pytest.raises(services.RenewalError, match="2026-07-01"):
        services.renewal_record_application(business=business, received_on=D(2026, 6, 30), channel="online")
    case = services.renewal_record_application(business=business, received_on=D(2026, 7, 1), channel="online")
    assert status(business, D(2026, 7, 2)) == RenewalStatus.PENDING
    new_term = services.renewal_approve(case=case, approved_on=D(2026, 7, 10))

    business.refresh_from_db()
    assert business.expires_on == D(2031, 12, 31)
    assert (new_term.starts_on, new_term.expires_on) == (D(2027, 1, 1), D(2031, 12, 31))
    assert status(business, D(2026, 8, 1)) == RenewalStatus.RENEWED
    old = Term.objects.get(business=business, is_current=False)
    assert (old.expires_on, old.ended) == (D(2026, 12, 31), Term.End.RENEWED)


def test_application_on_the_last_day_renews(business):
    case = services.renewal_record_application(business=business, received_on=D(2026, 12, 31), channel="post")
    services.renewal_approve(case=case, approved_on=D(2026, 12, 31))
    business.refresh_from_db()
    assert business.expires_on == D(2031, 12, 31)


def test_applied_before_expiry_approved_after_is_never_lapsed(business):
    case = services.renewal_record_application(business=business, received_on=D(2026, 12, 20), channel="online")
    assert status(business, D(2027, 1, 5)) == RenewalStatus.EXPIRED_PENDING
    assert services.mark_lapsed(today=D(2027, 1, 5)) == 0
    services.renewal_approve(case=case, approved_on=D(2027, 1, 10))
    business.refresh_from_db()
    assert business.expires_on == D(2031, 12, 31)
    assert status(business, D(2027, 1, 11)) == RenewalStatus.RENEWED
    assert not Term.objects.filter(ended=Term.End.LAPSED).exists()


def test_lapse_then_register_again_keeps_history(business):
    assert services.mark_lapsed(today=D(2027, 1, 1)) == 1
    assert Term.objects.get(business=business).ended == Term.End.LAPSED
    with pytest.raises(services.RenewalError, match=r"有効期限（2026-12-31）より後です.*再登録"):
        services.renewal_record_application(business=business, received_on=D(2027, 1, 2), channel="online")

    term = services.registration_restart(business=business, registered_on=D(2027, 3, 15))
    business.refresh_from_db()
    assert (term.starts_on, term.expires_on, term.origin) == (
        D(2027, 3, 15),
        D(2032, 3, 31),
        Term.Origin.REREGISTRATION,
    )
    assert (business.registered_on, business.expires_on) == (D(2027, 3, 15), D(2032, 3, 31))
    assert Term.objects.filter(business=business).count() == 2
    assert status(business, D(2027, 4, 1)) == RenewalStatus.ACTIVE


def test_a_business_that_has_not_lapsed_cannot_register_again(business):
    with pytest.raises(services.RenewalError, match="失効していません"):
        services.registration_restart(business=business, registered_on=D(2026, 8, 1))


def test_second_pending_application_is_refused(business):
    services.renewal_record_application(business=business, received_on=D(2026, 8, 1), channel="online")
    with pytest.raises(services.RenewalError, match="処理中の更新申請"):
        services.renewal_record_application(business=business, received_on=D(2026, 8, 2), channel="desk")


def test_fee_comes_from_the_schedule_in_force_on_the_application_date(business):
    FeeRate.objects.create(capital_band=business.capital_band, effective_from=D(2026, 10, 1), amount=30_000)
    before = services.renewal_record_application(business=business, received_on=D(2026, 9, 30), channel="online")
    assert before.fee == 24_000
    services.renewal_withdraw(case=before)
    after = services.renewal_record_application(business=business, received_on=D(2026, 10, 1), channel="online")
    assert after.fee == 30_000


def test_sole_proprietors_pay_nothing():
    business = BusinessFactory(
        is_sole_proprietor=True, entity_type=Business.EntityType.INDIVIDUAL, capital=None, expires_on=D(2026, 12, 31)
    )
    case = services.renewal_record_application(business=business, received_on=D(2026, 9, 1), channel="online")
    assert case.fee == 0


def test_lapse_task_run_twice_lapses_once(business):
    BusinessFactory(expires_on=D(2027, 6, 30))
    with time_machine.travel(datetime.datetime(2027, 1, 2, 1, 0, tzinfo=datetime.UTC)):
        first = tasks.mark_lapsed_task.delay().get()
        second = tasks.mark_lapsed_task.delay().get()
    assert first["lapsed"] == 1
    assert second["lapsed"] == 0
    assert Term.objects.filter(ended=Term.End.LAPSED).count() == 1


def test_import_changing_the_expiry_moves_the_current_term(business):
    Business.objects.filter(pk=business.pk).update(expires_on=D(2027, 1, 31))
    assert services.terms_sync()["moved"] == 1
    assert Term.objects.get(business=business).expires_on == D(2027, 1, 31)


def test_lapsed_business_with_a_later_registration_in_the_register_starts_a_new_term(business):
    services.mark_lapsed(today=D(2027, 1, 1))
    Business.objects.filter(pk=business.pk).update(registered_on=D(2027, 2, 1), expires_on=D(2032, 2, 29))
    assert services.terms_sync()["reregistered"] == 1
    current = Term.objects.get(business=business, is_current=True)
    assert (current.starts_on, current.expires_on, current.origin) == (D(2027, 2, 1), D(2032, 2, 29), "reregistration")


@pytest.mark.parametrize(
    ("status_value", "expected"),
    [
        (RenewalStatus.ACTIVE, {"active"}),
        (RenewalStatus.WINDOW_OPEN, {"window"}),
        (RenewalStatus.PENDING, {"pending"}),
        (RenewalStatus.EXPIRED_PENDING, {"expired_pending"}),
        (RenewalStatus.LAPSED, {"lapsed"}),
        (RenewalStatus.RENEWED, {"renewed"}),
    ],
)
def test_status_filter_selects_each_status_once(status_value, expected):
    made = {
        "active": BusinessFactory(expires_on=D(2028, 5, 31)),
        "window": BusinessFactory(expires_on=D(2027, 3, 31)),
        "pending": BusinessFactory(expires_on=D(2027, 1, 31)),
        "expired_pending": BusinessFactory(expires_on=D(2026, 11, 30)),
        "lapsed": BusinessFactory(expires_on=D(2026, 10, 31)),
        "renewed": BusinessFactory(expires_on=D(2026, 12, 31)),
    }
    services.terms_sync()
    services.renewal_record_application(business=made["pending"], received_on=D(2026, 11, 1), channel="online")
    services.renewal_record_application(business=made["expired_pending"], received_on=D(2026, 11, 20), channel="post")
    case = services.renewal_record_application(business=made["renewed"], received_on=D(2026, 10, 1), channel="online")
    services.renewal_approve(case=case, approved_on=D(2026, 10, 5))
    today = D(2026, 12, 1)
    names = {b.pk: name for name, b in made.items()}
    selected = selectors.filter_by_status(Business.objects.all(), status_value, today=today)
    assert {names[b.pk] for b in selected} == expected
    assert RenewalCase.objects.count() == 3


def test_demo_history_renews_most_expired_terms_consistently():
    from renewals import demo

    for index in range(30):
        BusinessFactory(expires_on=D(2025, 1, 31) + datetime.timedelta(days=index * 30))
    services.terms_sync()
    counts = demo.build_history(today=D(2026, 11, 27), seed=1)
    assert counts["renewed"] > 0
    for case in RenewalCase.objects.filter(status="approved").select_related("term", "new_term", "business"):
        assert case.business.expires_on == case.new_term.expires_on == terms.expiry_after_renewal(case.term.expires_on)
        assert case.received_on <= case.approved_on <= case.term.expires_on
    assert Term.objects.filter(is_current=True).count() == 30


def test_sync_since_a_time_looks_only_at_businesses_written_since(business):
    Business.objects.filter(pk=business.pk).update(
        expires_on=D(2027, 1, 31), updated_at=timezone.now() - datetime.timedelta(days=3)
    )
    assert services.terms_sync(changed_since=timezone.now() - datetime.timedelta(days=1))["moved"] == 0
    assert services.terms_sync(changed_since=timezone.now() - datetime.timedelta(days=4))["moved"] == 1
