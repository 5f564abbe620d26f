"""The one-expansion build writes the same rows and the same files as the per-batch recursive CTE it replaced.

The reference below is the former build (commit f4e3da6): one WITH RECURSIVE statement per
batch of primes, per list. The graph is generated: a chain of seven tiers, random links that
make cycles, diamonds and subcontractors shared by several primes, a prime that is a member of
two associations, last contacts of every kind, and expiries on both sides of the list's day.
"""

import datetime
import random
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ccus import roles
from outreach.lists import contacts, files, graph
from outreach.lists import services as list_services
from outreach.lists import tasks as list_tasks
from outreach.models import CallAttempt, Notice, NoticeTemplate, SubcontractorList, SubcontractorListRow
from outreach.tests.factories import business_expiring
from registrations.models import Business
from registrations.tests.factories import AssociationFactory, LinkFactory, MembershipFactory, staff_user
from renewals import selectors as renewal_selectors
from renewals.models import RenewalStatus

pytestmark = pytest.mark.django_db
D = datetime.date
AS_OF = D(2026, 11, 1)

FORMER_REACH_SQL = """
WITH RECURSIVE reach(root, node, depth) AS (
    SELECT l.prime_id, l.subcontractor_id, 1
    FROM registrations_subcontractlink l
    WHERE l.prime_id IN ({roots})
  UNION
    SELECT r.root, l.subcontractor_id, r.depth + 1
    FROM reach r
    JOIN registrations_subcontractlink l ON l.prime_id = r.node
    WHERE r.depth < %s AND l.subcontractor_id <> r.root
),
reached AS (
    SELECT r.root, r.node, MIN(r.depth) AS distance, b.expires_on
    FROM reach r
    JOIN registrations_business b ON b.id = r.node
    WHERE {expiry}
    GROUP BY r.root, r.node, b.expires_on
),
listed AS (
    SELECT DISTINCT node AS business_id FROM reached
),
{contacts}
INSERT INTO outreach_subcontractorlistrow (
    snapshot_id, prime_id, business_id, distance, expires_on, renewal_status,
    last_contact_at, last_contact_channel, last_contact_status)
SELECT %s, reached.root, reached.node, reached.distance, reached.expires_on, '',
    latest.at, COALESCE(latest.channel, ''), COALESCE(latest.outcome, '')
FROM reached
LEFT JOIN latest ON latest.business_id = reached.node
"""


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SUBCONTRACTOR_LIST_MAX_DEPTH = 10


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def contact(business, channel: str, status: str, sent: datetime.datetime) -> Notice:
    return Notice.objects.create(
        business=business, template=NoticeTemplate.objects.filter(channel=channel).first(), channel=channel,
        status=status, due_on=sent.date(), scheduled_for=sent.date(), sent_at=sent if status == "sent" else None,
    )  # fmt: skip


@pytest.fixture
def generated():
    """Two associations, six member primes (one in both), 60 businesses, a 7-tier chain and random links."""
    rng = random.Random(22)
    businesses = [
        business_expiring(AS_OF + datetime.timedelta(days=rng.randint(-120, 200)), name=f"事業者{n:02d}")
        for n in range(60)
    ]
    pairs = {(n, n + 1) for n in range(7)}  # a chain: tiers 1 to 7 from business 0
    while len(pairs) < 170:
        prime, sub = rng.sample(range(60), 2)
        pairs.add((prime, sub))
    for prime, sub in sorted(pairs):
        LinkFactory(prime=businesses[prime], subcontractor=businesses[sub])
    zenken, tobi = AssociationFactory(code="ZENKEN"), AssociationFactory(code="TOBI")
    for index, association in [(0, zenken), (1, zenken), (2, zenken), (3, tobi), (4, tobi), (2, tobi), (59, tobi)]:
        MembershipFactory(business=businesses[index], association=association)
    operator = staff_user(roles.OPERATOR, "op")
    for n, business in enumerate(businesses[5:40]):
        sent = at(AS_OF - datetime.timedelta(days=n + 1))
        if n % 3 == 0:
            contact(business, "email", "sent", sent)
        elif n % 3 == 1:
            contact(business, "postcard", "sent", sent)
        else:
            phone = contact(business, "phone", "queued", sent)
            CallAttempt.objects.create(
                notice=phone, operator=operator, started_at=sent, ended_at=sent, outcome="will_renew"
            )
    return businesses


def former_build(subcontractor_list: SubcontractorList) -> None:
    """The former rows and files of one list: the per-batch recursive CTE, then the same file writer."""
    primes = list(list_services.list_primes(subcontractor_list))
    expiry, expiry_params = graph.expiry_condition(
        subcontractor_list.row_filter, as_of=subcontractor_list.as_of, days=subcontractor_list.days
    )
    contact_sql, contact_params = contacts.latest_contact_ctes(as_of=subcontractor_list.as_of)
    for start in range(0, len(primes), 2):  # batches of two primes, as SUBCONTRACTOR_LIST_PRIMES_PER_BATCH did
        batch = primes[start : start + 2]
        sql = FORMER_REACH_SQL.format(roots=", ".join(["%s"] * len(batch)), expiry=expiry, contacts=contact_sql)
        with connection.cursor() as cursor:
            depth = settings.SUBCONTRACTOR_LIST_MAX_DEPTH
            cursor.execute(sql, [*batch, depth, *expiry_params, *contact_params, subcontractor_list.pk])
    rows = SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list)
    status = renewal_selectors.with_status(
        Business.objects.filter(pk=OuterRef("business_id")), today=subcontractor_list.as_of
    )
    rows.update(renewal_status=Subquery(status.values("renewal_status")[:1]))
    if subcontractor_list.row_filter == SubcontractorList.Filter.LAPSED:
        rows.exclude(renewal_status=RenewalStatus.LAPSED).delete()
    written = files.write(subcontractor_list)
    SubcontractorList.objects.filter(pk=subcontractor_list.pk).update(
        xlsx_file=written.xlsx, csv_file=written.csv, csv_cp932_file=written.csv_cp932
    )


def row_set(subcontractor_list: SubcontractorList) -> set[tuple]:
    return set(
        SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list).values_list(
            "prime_id",
            "business_id",
            "distance",
            "expires_on",
            "renewal_status",
            "last_contact_at",
            "last_contact_channel",
            "last_contact_status",
        )
    )


def workbook_cells(path: Path) -> list[tuple[str, list[tuple]]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    return [(sheet.title, list(sheet.iter_rows(values_only=True))) for sheet in workbook.worksheets]


def assert_same_files(new: SubcontractorList, old: SubcontractorList) -> None:
    new.refresh_from_db()
    old.refresh_from_db()
    assert Path(new.csv_file.path).read_bytes() == Path(old.csv_file.path).read_bytes()
    assert Path(new.csv_cp932_file.path).read_bytes() == Path(old.csv_cp932_file.path).read_bytes()
    assert workbook_cells(Path(new.xlsx_file.path)) == workbook_cells(Path(old.xlsx_file.path))


@pytest.mark.parametrize("depth", [10, 3])
@pytest.mark.parametrize("row_filter", ["all", "expiring", "lapsed"])
@time_machine.travel(at(D(2026, 11, 2)), tick=False)
def test_every_association_list_from_one_expansion_matches_the_former_build(generated, row_filter, depth, settings):
    settings.SUBCONTRACTOR_LIST_MAX_DEPTH = depth
    new = list_services.association_lists_request(row_filter=row_filter, as_of=AS_OF, days=90)
    assert list_services.expand_lists(list_ids=[each.pk for each in new]) == [each.pk for each in new]
    for subcontractor_list in new:
        built = list_services.subcontractor_list_files(list_id=subcontractor_list.pk)
        assert built.status == "done" and built.progress == 100
        old = list_services.subcontractor_list_request(
            association=subcontractor_list.association, row_filter=row_filter, as_of=AS_OF, days=90
        )
        former_build(old)
        assert row_set(built) == row_set(old) and built.row_count == len(row_set(old))
        assert_same_files(built, old)
    rows = SubcontractorListRow.objects.filter(subcontractor_list__in=new)
    if row_filter == "all":  # the generated graph has what the comparison is for
        assert rows.filter(distance=min(7, depth)).exists() and not rows.filter(distance__gt=depth).exists()
        assert rows.exclude(last_contact_channel="").exists()
        assert rows.values("business").distinct().count() < rows.count()  # shared subcontractors


@time_machine.travel(at(D(2026, 11, 2)), tick=False)
def test_a_prime_list_matches_the_former_build_on_a_cycle(generated):
    for prime in generated[:6]:
        requested = list_services.subcontractor_list_request(prime=prime, row_filter="all", as_of=AS_OF)
        built = list_services.subcontractor_list_build(list_id=requested.pk)
        old = list_services.subcontractor_list_request(prime=prime, row_filter="all", as_of=AS_OF)
        former_build(old)
        assert row_set(built) == row_set(old)
        assert_same_files(built, old)


@time_machine.travel(at(D(2026, 11, 2)), tick=False)
def test_the_monthly_task_expands_once_and_writes_each_association_in_its_own_task(
    generated, django_capture_on_commit_callbacks, monkeypatch
):
    expansions, written = [], []
    expand, write = graph.Reach.expand, list_tasks.write_subcontractor_list_files_task.run
    monkeypatch.setattr(
        graph.Reach, "expand", lambda reach, *args, **kwargs: expansions.append(1) or expand(reach, *args, **kwargs)
    )
    monkeypatch.setattr(
        list_tasks.write_subcontractor_list_files_task, "run", lambda list_id: written.append(list_id) or write(list_id)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert list_tasks.build_association_lists_task.delay().get() == 2
    lists = list(SubcontractorList.objects.order_by("association__code"))
    assert expansions == [1] and sorted(written) == sorted(each.pk for each in lists)
    assert [(each.association.code, each.status, each.primes_done, each.primes_total) for each in lists] == [
        ("TOBI", "done", 4, 4),
        ("ZENKEN", "done", 3, 3),
    ]


@time_machine.travel(at(D(2026, 11, 2)), tick=False)
def test_the_files_report_primes_and_rows_written_as_they_go(generated, monkeypatch):
    monkeypatch.setattr(files, "PROGRESS_ROWS", 5)
    (subcontractor_list,) = [
        each
        for each in list_services.association_lists_request(row_filter="all", as_of=AS_OF)
        if each.association.code == "ZENKEN"
    ]
    list_services.expand_lists(list_ids=[subcontractor_list.pk])
    subcontractor_list.refresh_from_db()
    heard = []
    files.write(subcontractor_list, on_progress=lambda primes, rows: heard.append((primes, rows)))
    assert heard[-1] == (3, subcontractor_list.row_count) and len(heard) == subcontractor_list.row_count // 5 + 1
    assert heard == sorted(heard) and heard[0] == (0, 5)
