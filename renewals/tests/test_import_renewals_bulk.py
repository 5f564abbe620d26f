"""The set-based renewal import gives the rows and messages of applying each row through the desk's steps.

The reference is the import as it was before it went set-based, kept as the bench's
baseline (bench/renewal_import.py): each row on its own through
renewal_record_application and renewal_approve. Both run on the same
register (each inside a savepoint rolled back afterwards) and on tricky files:
duplicates, unknown IDs, a window not yet open, a lapsed term, an application already
approved on another date, a business without a term yet, an approval before its
application. What they leave (applications, terms, business expiries, history) and
what they say (row, column, message) must be the same, and a file imported twice
changes nothing the second time.
"""

import datetime
import io
import re

import pytest
import time_machine
from django.db import transaction
from django.utils import translation

from bench.renewal_import import RowByRowRenewals
from ccus.importing import CREATED, UNCHANGED, UPDATED, run_import
from ccus.tabular import open_table
from registrations.models import Business
from registrations.tests.factories import BusinessFactory
from renewals import services
from renewals.imports import RenewalRows
from renewals.models import RenewalCase, Term

pytestmark = pytest.mark.django_db
D = datetime.date
NOW = datetime.datetime(2026, 11, 27, 3, 0, tzinfo=datetime.UTC)  # 2026-11-27 12:00 in Tokyo


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False), translation.override("ja"):
        yield


@pytest.fixture
def register():
    """Businesses in every state a row can meet; ccus_id 1000000000000N."""

    def make(n, expires_on, **extra):
        return BusinessFactory(ccus_id=f"1000000000000{n}", expires_on=expires_on, **extra)

    made = {
        "open": make(0, D(2026, 12, 31)),
        "open_small": make(1, D(2027, 1, 31), capital=3_000_000),
        "pending": make(2, D(2026, 12, 31)),
        "closed": make(3, D(2028, 3, 31)),
        "lapsed": make(4, D(2026, 10, 31)),
        "approved": make(5, D(2027, 2, 28)),
        "withdrawn": make(6, D(2026, 12, 31)),
    }
    services.terms_sync()
    services.mark_lapsed(today=D(2026, 11, 27))
    services.renewal_record_application(business=made["pending"], received_on=D(2026, 9, 1), channel="online")
    case = services.renewal_record_application(business=made["approved"], received_on=D(2026, 9, 2), channel="post")
    services.renewal_approve(case=case, approved_on=D(2026, 9, 20))
    case = services.renewal_record_application(business=made["withdrawn"], received_on=D(2026, 8, 1), channel="desk")
    services.renewal_withdraw(case=case)
    made["no_term"] = make(7, D(2027, 3, 31))  # imported after the sync: it gets its term on the way
    return made


GOOD = """事業者ID,申請日,承認日
10000000000000,2026-10-01,
10000000000001,2026/08/15,2026-09-01
10000000000002,,2026-11-20
10000000000005,2026-09-02,2026-09-20
10000000000006,2026-10-10,2026-10-12
10000000000007,2026-11-01,
"""

BAD = """事業者ID,申請日,承認日
10000000000000,2026-10-01,
99999999999999,2026-10-01,
10000000000000,2026-10-02,
10000000000001,2026-10-02,2026-09-01
10000000000002,2026-10-05,
10000000000003,2026-10-01,
10000000000004,2026-10-20,
10000000000005,,2026-09-21
10000000000006,,2026-10-12
10000000000007,2026-11-30,
1.0E+13,2026-10-01,
10000000000007,,
"""


def chunked(kind: RenewalRows, chunk_size: int) -> RenewalRows:
    """The kind checking `chunk_size` rows at a time (small: a duplicate falls in a later chunk)."""
    kind.chunk_size = chunk_size
    return kind


def outcome_and_state(kind, text: str) -> tuple:
    """Import `text` with `kind` inside a savepoint rolled back afterwards; what it said and left."""
    with transaction.atomic():
        with open_table(io.BytesIO(text.encode("cp932"))) as table:
            outcome = run_import(kind, table, dry_run=False, source="renewals.csv")
        said = ([str(error) for error in outcome.errors], dict(outcome.counts), outcome.rows)
        left = state()
        transaction.set_rollback(True)
    return said, left


def state() -> dict:
    """The rows an import can touch, without keys that differ between runs (ids, timestamps)."""
    cases = RenewalCase.objects.order_by("business__ccus_id", "received_on")
    terms = Term.objects.order_by("business__ccus_id", "starts_on")
    unnumbered = lambda text: re.sub(r"\d+", "N", text or "")  # noqa: E731 (reasons name an application by id)
    return {
        "cases": list(
            cases.values_list(
                "business__ccus_id", "received_on", "status", "approved_on", "channel", "fee", "capital_band"
            )
        ),
        "case_terms": [(c.term.starts_on, c.new_term and c.new_term.expires_on) for c in cases],
        "terms": list(
            terms.values_list("business__ccus_id", "starts_on", "expires_on", "origin", "is_current", "ended")
        ),
        "expiries": list(Business.objects.order_by("ccus_id").values_list("ccus_id", "expires_on")),
        "history": sorted(
            (model.__name__, h.history_type, unnumbered(h.history_change_reason), h.history_user_id)
            for model in (RenewalCase, Term, Business)
            for h in model.history.all()
        ),
    }


@pytest.mark.parametrize("chunk_size", [2_000, 2])
def test_a_good_file_gives_the_rows_of_applying_each_row_on_its_own(register, chunk_size):
    expected = outcome_and_state(chunked(RowByRowRenewals(), chunk_size), GOOD)
    got = outcome_and_state(chunked(RenewalRows(), chunk_size), GOOD)

    assert got == expected
    said, left = got
    assert said == ([], {CREATED: 4, UPDATED: 1, UNCHANGED: 1}, 6)
    by_id = {case[0]: case for case in left["cases"] if case[2] != "withdrawn"}
    assert by_id["10000000000001"][1:6] == (D(2026, 8, 15), "approved", D(2026, 9, 1), "file", 6_000)
    assert by_id["10000000000002"][2:4] == ("approved", D(2026, 11, 20))
    assert ("10000000000001", D(2032, 1, 31)) in left["expiries"]
    assert ("10000000000007", D(2021, 12, 10), D(2027, 3, 31), "registration", True, "") in left["terms"]


@pytest.mark.parametrize("chunk_size", [2_000, 3])
def test_a_bad_file_gives_the_same_messages_and_writes_nothing(register, chunk_size):
    before = state()

    expected = outcome_and_state(chunked(RowByRowRenewals(), chunk_size), BAD)
    got = outcome_and_state(chunked(RenewalRows(), chunk_size), BAD)

    assert got[0] == expected[0]
    assert got[1] == before  # all or nothing: the failed import left the register as it was
    errors = got[0][0]
    assert errors[0].startswith("3行目 事業者ID:") and "99999999999999" in errors[0]
    assert errors[1].startswith("4行目") and "複数回" in errors[1]
    for row, words in [
        (5, "承認日は申請日より前にできません"),
        (6, "既に処理中の更新申請"),
        (7, "更新申請は 2027-10-01 から"),
        (8, "失効"),
        (9, "2026-09-20 に承認済み"),
        (10, "承認する申請がありません"),
        (11, "未来"),
        (12, "指数表記"),
        (13, "少なくとも一方"),
    ]:
        assert any(e.startswith(f"{row}行目") and words in e for e in errors), (row, words, errors)


def test_the_same_file_imported_again_changes_nothing(register):
    with open_table(io.BytesIO(GOOD.encode("cp932"))) as table:
        assert run_import(RenewalRows(), table, dry_run=False, source="renewals.csv").ok
    after_first = state()

    said, left = outcome_and_state(RenewalRows(), GOOD)

    assert said == ([], {UNCHANGED: 6}, 6)
    assert left == after_first
