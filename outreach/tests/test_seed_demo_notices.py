"""seed_demo_notices: years of sent notices for the benchmark's register (PostgreSQL)."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from outreach.models import Notice
from outreach.tests.factories import business_expiring

D = datetime.date


@pytest.fixture
def register(postgres):
    return [business_expiring(D(2027, 3, 1) + datetime.timedelta(days=n), email=f"b{n}@example.jp") for n in range(7)]


def test_tops_the_table_up_to_per_business_times_businesses(register):
    call_command("seed_demo_notices", "--per-business", "4")
    notices = Notice.objects.all()
    assert notices.count() == 4 * len(register)
    assert set(notices.values_list("status", flat=True)) == {"sent"}
    assert set(notices.values_list("channel", flat=True)) == {"email", "postcard", "phone"}
    assert all(n.due_on < timezone.localdate() and n.sent_at for n in notices)
    for notice in notices.filter(channel="email"):
        assert notice.recipient == notice.business.email
    # Each notice hangs on the business's term that had started by its due date, if any.
    for notice in notices.exclude(term=None):
        assert notice.term.business_id == notice.business_id and notice.term.starts_on <= notice.due_on


def test_running_again_adds_nothing(register):
    call_command("seed_demo_notices", "--per-business", "3")
    call_command("seed_demo_notices", "--per-business", "3")
    assert Notice.objects.count() == 3 * len(register)


def test_refuses_a_per_business_below_one(register):
    with pytest.raises(CommandError, match="at least 1"):
        call_command("seed_demo_notices", "--per-business", "0")
