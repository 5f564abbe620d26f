"""On PostgreSQL: two term syncs at once both finish, whatever the register's state.

Two nightly lapse tasks (two beats, or the task beside `manage.py mark_lapsed`) each sync
the whole register's terms. The test holds a SHARE lock on renewals_term until both
syncs wait for it, so both read the register before either writes: the race of two syncs
started together, every time. (The daily scan syncs no terms: it reads them.)
"""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.utils import timezone

from outreach import scan
from outreach.models import Notice
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.models import Business
from registrations.tests.factories import BusinessFactory
from renewals import services as renewal_services
from renewals.models import Term
from renewals.tasks import mark_lapsed_task

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
D = datetime.date
TODAY = D(2026, 11, 27)


def waiting_for_terms() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE relation = 'renewals_term'::regclass AND NOT granted")
        return cursor.fetchone()[0]


def two_nightly_tasks_at_once() -> list[BaseException]:
    """Run the nightly lapse task twice in two threads (two connections) that read the register together."""
    errors: list[BaseException] = []

    def one_task():
        try:
            mark_lapsed_task(TODAY.isoformat())
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_task) for _ in range(2)]
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


@time_machine.travel(datetime.datetime(2026, 11, 27, 6, tzinfo=datetime.UTC), tick=False)
def test_two_syncs_after_businesses_were_written_without_terms_both_finish(policy):
    # Written as raw SQL or COPY would (a bench, a hand repair): no term yet.
    for offset in range(30):
        BusinessFactory(expires_on=TODAY + datetime.timedelta(days=5 + offset), email=f"b{offset}@example.jp")
    assert not Term.objects.exists()

    assert two_nightly_tasks_at_once() == []

    assert Term.objects.filter(is_current=True).count() == Term.objects.count() == 30
    scan.run_scan(today=TODAY)
    assert Notice.objects.filter(channel="email").count() == 30


@time_machine.travel(datetime.datetime(2026, 11, 27, 6, tzinfo=datetime.UTC), tick=False)
def test_two_syncs_after_lapsed_businesses_registered_again_both_finish(policy):
    lapsed = [business_expiring(D(2025, 3, 31), email=f"l{n}@example.jp") for n in range(10)]
    renewal_services.mark_lapsed(today=D(2025, 4, 1))
    # The register shows them registered again (written by hand), each with a new expiry.
    Business.objects.filter(pk__in=[b.pk for b in lapsed]).update(
        registered_on=D(2026, 1, 10), expires_on=D(2026, 12, 31), updated_at=timezone.now()
    )

    assert two_nightly_tasks_at_once() == []

    for business in lapsed:
        current = Term.objects.get(business=business, is_current=True)
        assert (current.origin, current.expires_on) == (Term.Origin.REREGISTRATION, D(2026, 12, 31))
        assert Term.objects.filter(business=business).count() == 2
