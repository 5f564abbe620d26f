"""The daily scan reads the current terms and writes none.

Every path that writes a business's dates or its term syncs them in its own transaction
(renewals/tests/test_one_expiry.py walks each one); the nightly lapse task (00:30) syncs
the whole register before the 07:00 scan, for rows written outside those paths.
"""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from outreach import scan
from outreach.models import Notice
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.models import Business
from registrations.tests.factories import BusinessFactory
from registrations.tests.files import business_row, csv_bytes
from renewals import services as renewal_services
from renewals.models import Term
from renewals.tasks import mark_lapsed_task

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 27)


@pytest.fixture(autouse=True)
def seven_in_the_morning():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 22, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def policy():
    return policy_with_steps(("email", 60, 0))


def terms() -> list[tuple]:
    return list(Term.objects.order_by("pk").values_list("pk", "business_id", "expires_on", "is_current", "ended"))


def emails() -> dict[str, int]:
    """事業者ID → the expiry of the term each e-mail notice was made for."""
    notices = Notice.objects.filter(channel="email").select_related("business", "term")
    return {notice.business.ccus_id: notice.term.expires_on for notice in notices}


def test_after_an_import_the_scan_finds_every_due_business_on_its_imported_term(tmp_path, policy):
    moved = business_expiring(D(2027, 6, 30), ccus_id="12345678901235", registered_on=D(2022, 6, 15))
    lapsed = business_expiring(D(2020, 3, 31), ccus_id="12345678901236", registered_on=D(2015, 3, 2))
    renewal_services.mark_lapsed(today=D(2026, 4, 1))
    path = tmp_path / "register.csv"
    path.write_bytes(
        csv_bytes(
            [
                business_row(事業者ID="12345678901234", 登録日="2021/12/10"),  # new, expires 2026-12-31
                business_row(事業者ID="12345678901235", 登録日="2022/06/15", 有効期限="2027/01/15"),  # moved
                business_row(事業者ID="12345678901236", 登録日="2021/12/20", 有効期限="2026/12/20"),  # again
            ]
        )
    )
    call_command("import_businesses", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    before = terms()

    scan.run_scan(today=TODAY)

    assert terms() == before  # the scan wrote no term
    assert emails() == {
        "12345678901234": D(2026, 12, 31),
        moved.ccus_id: D(2027, 1, 15),
        lapsed.ccus_id: D(2026, 12, 20),
    }


def test_a_business_written_without_a_term_is_taken_up_by_the_nightly_sync_before_the_scan(policy):
    # Written outside every write path (raw SQL, COPY): no term, so the scan does not see it.
    business = BusinessFactory(expires_on=D(2026, 12, 31), email="raw@example.jp")
    scan.run_scan(today=TODAY)
    assert not Term.objects.filter(business=business).exists()
    assert emails() == {}

    mark_lapsed_task((TODAY + datetime.timedelta(days=1)).isoformat())  # 00:30 the next night
    scan.run_scan(today=TODAY + datetime.timedelta(days=1))  # 07:00

    assert emails() == {business.ccus_id: D(2026, 12, 31)}
    assert Business.objects.get(pk=business.pk).expires_on == D(2026, 12, 31)
