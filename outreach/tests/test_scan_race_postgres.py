"""On PostgreSQL: two scans at once both finish, whatever the register's state.

The test holds a SHARE lock on renewals_term until both scans wait for it at their term
sync, so both read the register before either writes: the race of two scans started
together, every time.
"""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.utils import timezone

from outreach import scan
from outreach.models import Notice, ScanRun
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.models import Business
from registrations.tests.factories import BusinessFactory
from renewals import services as renewal_services
from renewals.models import Term

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
D = datetime.date
TODAY = D(2026, 11, 27)


def waiting_for_terms() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE relation = 'renewals_term'::regclass AND NOT granted")
        return cursor.fetchone()[0]


def two_scans_at_once() -> list[BaseException]:
    """Run two scans in two threads (two connections) that read the register together; their errors."""
    errors: list[BaseException] = []

    def one_scan():
        try:
            scan.run_scan(today=TODAY)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_scan) for _ in range(2)]
    with transaction.atomic():
        connection.cursor().execute("LOCK TABLE renewals_term IN SHARE MODE")
        for thread in threads:
            thread.start()
        while waiting_for_terms() < 2 and all(thread.is_alive() for thread in threads):
            threading.Event().wait(0.05)
    for thread in threads:
        thread.join()
    return errors


@pytest.fixture
def policy(postgres):
    return policy_with_steps(("email", 60, 0), ("postcard", 30, 0))


def assert_both_finished_once(errors):
    assert errors == []
    runs = ScanRun.objects.all()
    assert runs.count() == 2
    assert all(run.finished_at is not None and run.failed_at is None for run in runs)
    notices = Notice.objects.filter(step__isnull=False)
    assert notices.count() == notices.values("term", "step").distinct().count()


@time_machine.travel(datetime.datetime(2026, 11, 27, 6, tzinfo=datetime.UTC), tick=False)
def test_two_scans_right_after_an_import_of_businesses_without_terms_both_finish(policy):
    for offset in range(30):
        BusinessFactory(expires_on=TODAY + datetime.timedelta(days=5 + offset), email=f"b{offset}@example.jp")
    assert not Term.objects.exists()

    errors = two_scans_at_once()

    assert_both_finished_once(errors)
    assert Term.objects.filter(is_current=True).count() == 30
    assert Notice.objects.filter(channel="email").count() == 30


@time_machine.travel(datetime.datetime(2026, 11, 27, 6, tzinfo=datetime.UTC), tick=False)
def test_two_scans_after_lapsed_businesses_registered_again_both_finish(policy):
    lapsed = [business_expiring(D(2025, 3, 31), email=f"l{n}@example.jp") for n in range(10)]
    renewal_services.mark_lapsed(today=D(2025, 4, 1))
    # The register shows them registered again (an import), each with a new expiry.
    Business.objects.filter(pk__in=[b.pk for b in lapsed]).update(
        registered_on=D(2026, 1, 10), expires_on=D(2026, 12, 31), updated_at=timezone.now()
    )

    errors = two_scans_at_once()

    assert_both_finished_once(errors)
    for business in lapsed:
        current = Term.objects.get(business=business, is_current=True)
        assert (current.origin, current.expires_on) == (Term.Origin.REREGISTRATION, D(2026, 12, 31))
        assert Term.objects.filter(business=business).count() == 2
