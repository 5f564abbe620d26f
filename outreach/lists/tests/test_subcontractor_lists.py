"""Subcontractor renewal lists: the graph, the filters, the files, the command and the ladder link."""

import csv
import datetime
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from outreach import services
from outreach.lists import services as list_services
from outreach.lists import tasks as list_tasks
from outreach.models import ListDelivery, Notice, NoticeTemplate, SubcontractorList, SubcontractorListRow
from outreach.tests.factories import business_expiring
from registrations.models import Business, Trade
from registrations.tests.factories import AssociationFactory, BusinessFactory, LinkFactory, MembershipFactory

pytestmark = pytest.mark.django_db
D = datetime.date
AS_OF = D(2026, 11, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def link(prime: Business, sub: Business, tier: int = 1) -> None:
    LinkFactory(prime=prime, subcontractor=sub, tier=tier)


def build(prime=None, association=None, row_filter="all", days=90) -> SubcontractorList:
    subcontractor_list = list_services.subcontractor_list_request(
        prime=prime, association=association, row_filter=row_filter, days=days, as_of=AS_OF
    )
    return list_services.subcontractor_list_build(list_id=subcontractor_list.pk)


def distances(subcontractor_list: SubcontractorList) -> dict[str, int]:
    rows = SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list).values_list(
        "business__name", "distance"
    )
    return dict(rows)


@pytest.fixture
def network():
    """P → A → B → C (tiers), a diamond P → D → E and P → A → E, C → A (a cycle), A → P (P is A's sub)."""
    names = "PABCDEZ"
    b = {name: BusinessFactory(name=name) for name in names}
    for prime, sub in ["PA", "AB", "BC", "PD", "DE", "AE", "CA", "AP"]:
        link(b[prime], b[sub])
    return b


def test_the_list_has_every_tier_once_at_its_smallest_distance(network):
    subcontractor_list = build(prime=network["P"])
    assert subcontractor_list.status == "done"
    # E is reached at 2 both ways (diamond); the cycle C → A leaves A direct; P is not its own sub.
    assert distances(subcontractor_list) == {"A": 1, "D": 1, "B": 2, "E": 2, "C": 3}
    assert subcontractor_list.row_count == 5


def test_a_business_that_is_a_sub_of_its_own_subcontractor_lists_its_prime(network):
    # A's list reaches P (A → P) and, through P, D; B and E come first-hand; A itself never.
    assert distances(build(prime=network["A"])) == {"B": 1, "E": 1, "P": 1, "C": 2, "D": 2}


def test_a_prime_with_no_subcontractors_gets_an_empty_list_with_files(network):
    subcontractor_list = build(prime=network["Z"])
    assert (subcontractor_list.status, subcontractor_list.row_count) == ("done", 0)
    workbook = openpyxl.load_workbook(subcontractor_list.xlsx_file.path, read_only=True)
    assert workbook.sheetnames == ["概要", "下請事業者"]
    with open(subcontractor_list.csv_file.path, encoding="utf-8-sig") as file:
        assert len(list(csv.reader(file))) == 1  # the header only


def test_the_expiring_filter_keeps_the_window_and_the_lapsed_filter_the_lapsed():
    prime = BusinessFactory()
    soon = business_expiring(D(2026, 12, 31), name="soon")
    later = business_expiring(D(2028, 3, 31), name="later")
    lapsed = business_expiring(D(2026, 9, 30), name="lapsed")
    for sub in (soon, later, lapsed):
        link(prime, sub)
    assert set(distances(build(prime=prime, row_filter="expiring", days=90))) == {"soon"}
    assert set(distances(build(prime=prime, row_filter="lapsed"))) == {"lapsed"}
    assert set(distances(build(prime=prime, row_filter="all"))) == {"soon", "later", "lapsed"}


def test_files_open_back_with_status_trades_last_contact_and_formulas_neutralised():
    prime = BusinessFactory(name="株式会社元請建設")
    sub = business_expiring(D(2026, 12, 31), name='=HYPERLINK("http://evil")', email="sub@example.jp")
    sub.trades.set(Trade.objects.filter(code__in=["01", "08"]))
    link(prime, sub)
    services.notice_send_now(business=sub)
    # Contacts up to the list's day count.
    sent_at = timezone.make_aware(datetime.datetime.combine(D(2026, 10, 31), datetime.time(10)))
    Notice.objects.filter(business=sub).update(status=Notice.Status.SENT, sent_at=sent_at)
    subcontractor_list = build(prime=prime, row_filter="expiring")

    workbook = openpyxl.load_workbook(subcontractor_list.xlsx_file.path)
    assert workbook.sheetnames == ["概要", "下請事業者"]
    sheet = workbook["下請事業者"]
    header_line = int(sheet.freeze_panes[1:]) - 1  # the table starts below the prime's counts
    header, row = [c.value for c in sheet[header_line]], [c.value for c in sheet[header_line + 1]]
    assert header[:5] == ["元請事業者ID", "元請商号", "距離（1＝直接）", "事業者ID", "商号"]
    assert row[3] == sub.ccus_id and row[4] == '\'=HYPERLINK("http://evil")'
    assert sheet.cell(header_line + 1, 5).data_type == "s"  # text, not a formula
    assert row[5:7] == ["東京都", "土木一式・電気"] and row[7].date() == D(2026, 12, 31)
    assert row[8:10] == [60, "更新申請受付期間"]
    assert row[11:] == ["メール", "送信済"]
    summary = workbook["概要"]
    assert summary["B1"].value.startswith("株式会社元請建設")

    with open(subcontractor_list.csv_file.path, encoding="utf-8-sig", newline="") as file:
        lines = list(csv.reader(file))
    assert lines[0] == header and lines[1][4] == '\'=HYPERLINK("http://evil")'
    assert lines[1][6] == "土木一式・電気"


def test_an_association_list_has_a_sheet_per_member_prime():
    association = AssociationFactory(code="ZENKEN")
    first, second, outsider = BusinessFactory(name="一号"), BusinessFactory(name="二号"), BusinessFactory()
    for prime in (first, second):
        MembershipFactory(business=prime, association=association)
    MembershipFactory(business=BusinessFactory(), association=association)  # a member with no subs
    shared = BusinessFactory(name="共通下請")
    for prime in (first, second, outsider):
        link(prime, shared)
    subcontractor_list = build(association=association)
    assert (subcontractor_list.primes_total, subcontractor_list.row_count) == (2, 2)
    workbook = openpyxl.load_workbook(subcontractor_list.xlsx_file.path, read_only=True)
    assert workbook.sheetnames == ["概要", f"一号 {first.ccus_id}", f"二号 {second.ccus_id}"]
    rows = list(workbook[f"二号 {second.ccus_id}"].iter_rows(min_row=7, values_only=True))
    assert [(r[0], r[3]) for r in rows] == [(second.ccus_id, shared.ccus_id)]


def test_the_command_prints_the_file_paths_last(capsys):
    association = AssociationFactory(code="ZENKEN")
    prime = BusinessFactory()
    MembershipFactory(business=prime, association=association)
    link(prime, BusinessFactory())
    call_command("build_subcontractor_lists", "--association", "ZENKEN", "--filter", "all")
    lines = capsys.readouterr().out.strip().splitlines()
    subcontractor_list = SubcontractorList.objects.get()
    assert lines[-3:] == [
        subcontractor_list.xlsx_file.path,
        subcontractor_list.csv_file.path,
        subcontractor_list.csv_cp932_file.path,
    ]
    call_command("build_subcontractor_lists", "--prime", prime.ccus_id)
    assert capsys.readouterr().out.strip().splitlines()[-1].endswith(".csv")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--prime", "99999999999999"], "事業者ID 99999999999999 の事業者はありません"),
        (["--association", "NOPE"], "団体コード NOPE の団体はありません"),
        (["--all", "--days", "0"], "--days は 1 以上"),
    ],
)
def test_the_command_refuses_unknown_targets_and_writes_nothing(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("build_subcontractor_lists", *arguments)
    assert not SubcontractorList.objects.exists()


def test_the_monthly_task_builds_a_list_for_every_association(django_capture_on_commit_callbacks):
    for code in ("ZENKEN", "TOBI"):
        prime = BusinessFactory()
        MembershipFactory(business=prime, association=AssociationFactory(code=code))
        link(prime, business_expiring(D(2026, 12, 31)))
    with django_capture_on_commit_callbacks(execute=True):
        assert list_tasks.build_association_lists_task.delay().get() == 2
    lists = SubcontractorList.objects.order_by("association__code")
    assert [(s.association.code, s.status, s.row_count) for s in lists] == [("TOBI", "done", 1), ("ZENKEN", "done", 1)]
    assert list_tasks.build_association_lists_task.delay("NOPE").get() == 0


def test_a_failed_build_is_recorded_and_leaves_no_rows(monkeypatch):
    prime = BusinessFactory()
    link(prime, BusinessFactory())

    def broken(subcontractor_list, on_progress=None):
        raise OSError("disk full")

    monkeypatch.setattr("outreach.lists.files.write", broken)
    subcontractor_list = build(prime=prime)
    assert subcontractor_list.status == "failed" and "disk full" in subcontractor_list.error
    assert not SubcontractorListRow.objects.filter(subcontractor_list=subcontractor_list).exists()


def test_the_first_delivery_marks_the_ladder_list_notice_sent_and_records_the_list():
    prime, sub = BusinessFactory(), business_expiring(D(2026, 12, 31))
    link(prime, sub)
    notice = Notice.objects.create(
        business=sub,
        template=NoticeTemplate.objects.get(channel="prime_list"),
        channel="prime_list",
        due_on=AS_OF,
        scheduled_for=AS_OF,
    )
    subcontractor_list = build(prime=prime)
    notice.refresh_from_db()
    assert notice.status == "queued"  # built is not delivered

    list_services.subcontractor_list_deliver(
        subcontractor_list=subcontractor_list, kind=ListDelivery.Kind.DOWNLOAD, file_format="csv"
    )
    notice.refresh_from_db()
    subcontractor_list.refresh_from_db()
    assert notice.status == "sent" and notice.sent_at == subcontractor_list.delivered_at
    assert notice.recipient == str(subcontractor_list)
    assert list(sub.list_rows.values_list("subcontractor_list", "prime", "distance")) == [
        (subcontractor_list.pk, prime.pk, 1)
    ]
    list_services.subcontractor_list_deliver(
        subcontractor_list=subcontractor_list, kind=ListDelivery.Kind.DOWNLOAD, file_format="xlsx"
    )
    assert ListDelivery.objects.filter(subcontractor_list=subcontractor_list).count() == 2


def test_an_association_list_is_announced_by_email_when_configured(settings, mailoutbox):
    from outreach.models import AssociationStaff
    from registrations.tests.factories import staff_user

    settings.SUBCONTRACTOR_LIST_ANNOUNCE = True
    association = AssociationFactory(code="ZENKEN")
    user = staff_user("団体職員", "zenken")
    user.email = "staff@zenken.example.jp"
    user.save()
    AssociationStaff.objects.create(user=user, association=association)
    subcontractor_list = build(association=association)
    assert [m.to for m in mailoutbox] == [["staff@zenken.example.jp"]]
    assert f"/admin/outreach/subcontractorlist/{subcontractor_list.pk}/change/" in mailoutbox[0].body
    delivery = ListDelivery.objects.get()
    assert (delivery.kind, delivery.user, delivery.recipient) == ("email", user, "staff@zenken.example.jp")


def test_csv_is_utf8_with_bom_for_excel():
    prime = BusinessFactory()
    link(prime, BusinessFactory(name="髙橋工務店"))
    raw = Path(build(prime=prime).csv_file.path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "髙橋工務店" in raw.decode("utf-8-sig")
