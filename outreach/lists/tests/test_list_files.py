"""A list's files as their readers open them: typed XLSX cells, frozen and filtered headers, widths,
a prime's list ordered by urgency with its counts on top, the CP932 CSV, and the last contacts."""

import csv
import datetime

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ccus import roles
from outreach.lists import services as list_services
from outreach.models import Bounce, CallAttempt, Notice, NoticeTemplate, ReturnedMail, SubcontractorListRow
from outreach.tests.factories import business_expiring
from registrations.tests.factories import (
    AssociationFactory,
    BusinessFactory,
    LinkFactory,
    MembershipFactory,
    staff_user,
)
from renewals import services as renewal_services

pytestmark = pytest.mark.django_db
D = datetime.date
AS_OF = D(2026, 11, 1)
HEADERS = [
    "元請事業者ID",
    "元請商号",
    "距離（1＝直接）",
    "事業者ID",
    "商号",
    "都道府県",
    "業種",
    "有効期限",
    "残日数",
    "更新状況",
    "最終連絡日",
    "最終連絡手段",
    "結果",
]  # fmt: skip — the CSV's header is an interface: these words, in this order


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def build(**target):
    requested = list_services.subcontractor_list_request(row_filter="all", as_of=AS_OF, **target)
    return list_services.subcontractor_list_build(list_id=requested.pk)


def at(day: D, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def table(sheet) -> tuple[int, list[str], list[list]]:
    """The header line (from the frozen pane), its values, and the typed cells below it."""
    header_line = sheet.freeze_panes and int(sheet.freeze_panes[1:]) - 1
    rows = [list(row) for row in sheet.iter_rows(min_row=header_line + 1)]
    return header_line, [cell.value for cell in sheet[header_line]], rows


@pytest.fixture
def prime_with_tiers():
    """A prime with direct and second-tier subcontractors of every urgency, one of them applied."""
    prime = BusinessFactory(name="株式会社元請建設")
    direct = {
        "lapsed": business_expiring(D(2026, 9, 30), name="失効工業"),
        "soon": business_expiring(D(2026, 11, 30), name="月末電気"),
        "december": business_expiring(D(2026, 12, 31), name="師走鉄筋"),
        "applied": business_expiring(D(2026, 11, 30), name="申請済設備"),
        "later": business_expiring(D(2027, 1, 31), name="一月塗装"),
        "far": business_expiring(D(2029, 3, 31), name="株式会社ずっと先の長い名前の建設工業所"),
    }
    second = business_expiring(D(2026, 11, 15), name="孫請内装")
    for sub in direct.values():
        LinkFactory(prime=prime, subcontractor=sub)
    LinkFactory(prime=direct["far"], subcontractor=second)
    with time_machine.travel(D(2026, 10, 20)):
        renewal_services.renewal_record_application(
            business=direct["applied"], received_on=D(2026, 10, 20), channel="post"
        )
    return prime, direct, second


def test_a_prime_list_puts_direct_subs_first_by_urgency_with_its_counts_on_top(prime_with_tiers):
    prime, _direct, _second = prime_with_tiers
    workbook = openpyxl.load_workbook(build(prime=prime).xlsx_file.path)
    sheet = workbook["下請事業者"]
    assert "株式会社元請建設" in sheet["A1"].value and prime.ccus_id in sheet["A1"].value
    assert sheet["A2"].value == "基準日" and sheet["B2"].value.date() == AS_OF
    assert [c.value for c in sheet[3]][:4] == ["30日以内に期限", "60日以内に期限", "90日以内に期限", "失効"]
    # 30 days: 月末電気, 申請済設備 (applied, still expiring), 孫請内装; 60: + 師走鉄筋; 一月塗装 is 91 days out
    assert [c.value for c in sheet[4]][:4] == [3, 4, 4, 1]
    _line, header, rows = table(sheet)
    assert header == HEADERS
    names = [(row[2].value, row[4].value) for row in rows]
    assert names == [
        (1, "失効工業"),
        (1, "月末電気"),
        (1, "師走鉄筋"),
        (1, "一月塗装"),
        (1, "株式会社ずっと先の長い名前の建設工業所"),
        (1, "申請済設備"),  # applied: after those still to chase
        (2, "孫請内装"),
    ]


def test_the_workbook_has_typed_cells_a_frozen_filtered_header_and_fitting_widths(prime_with_tiers):
    prime, direct, _second = prime_with_tiers
    sheet = openpyxl.load_workbook(build(prime=prime).xlsx_file.path)["下請事業者"]
    header_line, _header, rows = table(sheet)
    assert sheet.freeze_panes == f"A{header_line + 1}"
    assert sheet.auto_filter.ref == f"A{header_line}:M{header_line + len(rows)}"
    first = rows[0]
    assert first[7].is_date and first[7].value.date() == D(2026, 9, 30)
    assert first[7].number_format == "yyyy/mm/dd"
    assert first[8].data_type == "n" and first[8].value == -32
    assert first[2].data_type == "n" and first[3].data_type == "s"  # the 事業者ID stays text
    long_name = direct["far"].name
    assert sheet.column_dimensions["E"].width >= 2 * len(long_name)  # full-width characters count twice
    assert sheet.column_dimensions["D"].width >= 14
    for letter in "ABCDEFGHIJKLM":
        assert 8 <= sheet.column_dimensions[letter].width <= 62
    summary = openpyxl.load_workbook(build(prime=prime).xlsx_file.path)["概要"]
    assert summary["B2"].is_date and summary["B6"].data_type == "n"
    assert summary.freeze_panes == "A9" and summary.auto_filter.ref.startswith("A8:")


def test_an_association_list_names_each_sheet_after_its_prime():
    association = AssociationFactory(code="ZENKEN")
    prime = BusinessFactory(name="株式会社とても長い名前の総合建設工業所東日本支店")
    MembershipFactory(business=prime, association=association)
    LinkFactory(prime=prime, subcontractor=business_expiring(D(2026, 12, 31)))
    workbook = openpyxl.load_workbook(build(association=association).xlsx_file.path)
    name = workbook.sheetnames[1]
    assert name.startswith("株式会社とても長い名前") and name.endswith(prime.ccus_id) and len(name) <= 31
    sheet = workbook[name]
    _line, _header, rows = table(sheet)
    assert [row[8].value for row in rows] == [60] and sheet.auto_filter.ref


def test_the_shift_jis_csv_keeps_the_headers_replaces_what_it_cannot_hold_and_says_so(admin_client):
    prime = BusinessFactory(name="元請")
    LinkFactory(prime=prime, subcontractor=business_expiring(D(2026, 12, 31), name="𠮷野建設"))
    LinkFactory(prime=prime, subcontractor=business_expiring(D(2027, 12, 31), name="髙橋工務店"))
    subcontractor_list = build(prime=prime)
    with open(subcontractor_list.csv_file.path, encoding="utf-8-sig", newline="") as file:
        utf8 = list(csv.reader(file))
    with open(subcontractor_list.csv_cp932_file.path, encoding="cp932", newline="") as file:
        sjis = list(csv.reader(file))
    assert sjis[0] == utf8[0] == HEADERS
    assert [row[4] for row in utf8[1:]] == ["𠮷野建設", "髙橋工務店"]
    assert [row[4] for row in sjis[1:]] == ["〓野建設", "髙橋工務店"]  # 髙 is in CP932 (an IBM extension)
    assert [row[:4] + row[5:] for row in sjis[1:]] == [row[:4] + row[5:] for row in utf8[1:]]
    assert subcontractor_list.cp932_problems == "2行目 商号: 𠮷 (U+20BB7) は〓として出力しました"

    page = admin_client.get(reverse("admin:outreach_subcontractorlist_change", args=[subcontractor_list.pk]))
    text = page.content.decode()
    assert "CSV（Shift_JIS・Excel向け）" in text and "2行目 商号: 𠮷 (U+20BB7) は〓として出力しました" in text
    response = admin_client.get(
        reverse("admin:outreach_subcontractorlist_download", args=[subcontractor_list.pk, "sjis"])
    )
    assert b"".join(response.streaming_content).decode("cp932").startswith(",".join(HEADERS) + "\r\n")
    assert subcontractor_list.deliveries.get().file_format == "sjis"


def contact_notice(business, channel: str, status: str, sent: datetime.datetime) -> Notice:
    template = NoticeTemplate.objects.filter(channel=channel).first()
    return Notice.objects.create(
        business=business, template=template, channel=channel, status=status, due_on=sent.date(),
        scheduled_for=sent.date(), sent_at=sent if status == "sent" else None,
    )  # fmt: skip


def test_last_contacts_come_from_notices_calls_postcards_bounces_up_to_the_list_day():
    prime = BusinessFactory()
    called, posted, returned, bounced, mailed, never = (
        business_expiring(D(2026, 12, 31), name=name) for name in ("架電", "投函", "返送", "不達", "送信", "未連絡")
    )
    for sub in (called, posted, returned, bounced, mailed, never):
        LinkFactory(prime=prime, subcontractor=sub)
    contact_notice(called, "email", "sent", at(D(2026, 10, 1)))
    phone = contact_notice(called, "phone", "queued", at(D(2026, 10, 5)))
    operator = staff_user(roles.OPERATOR, "op")
    CallAttempt.objects.create(
        notice=phone, operator=operator, started_at=at(D(2026, 10, 20), 14), ended_at=at(D(2026, 10, 20), 14),
        outcome="will_renew",
    )  # fmt: skip
    CallAttempt.objects.create(  # after the list's day: not on it
        notice=phone, operator=operator, started_at=at(D(2026, 11, 5)), ended_at=at(D(2026, 11, 5)),
        outcome="refuses",
    )  # fmt: skip
    contact_notice(posted, "postcard", "sent", at(D(2026, 10, 10)))
    card = contact_notice(returned, "postcard", "sent", at(D(2026, 10, 3)))
    ReturnedMail.objects.create(business=returned, returned_on=D(2026, 10, 9), notice=card)
    contact_notice(bounced, "email", "sent", at(D(2026, 10, 12)))
    Bounce.objects.create(business=bounced, email="x@example.jp", bounced_on=D(2026, 10, 13))
    contact_notice(mailed, "email", "sent", at(D(2026, 10, 30), 23))
    contact_notice(mailed, "email", "queued", at(D(2026, 10, 31)))  # not sent: no contact
    contact_notice(never, "email", "cancelled", at(D(2026, 10, 31)))

    subcontractor_list = build(prime=prime)
    sheet = openpyxl.load_workbook(subcontractor_list.xlsx_file.path)["下請事業者"]
    _line, _header, rows = table(sheet)
    found = {row[4].value: (row[10].value and row[10].value.date(), row[11].value, row[12].value) for row in rows}
    assert found == {
        "架電": (D(2026, 10, 20), "電話", "到達・更新予定"),
        "投函": (D(2026, 10, 10), "はがき", "投函済み"),
        "返送": (D(2026, 10, 3), "はがき", "返送あり"),
        "不達": (D(2026, 10, 12), "メール", "メール不達"),
        "送信": (D(2026, 10, 30), "メール", "送信済"),
        "未連絡": (None, None, None),
    }
    assert all(row[10].is_date for row in rows if row[10].value)
    with open(subcontractor_list.csv_file.path, encoding="utf-8-sig", newline="") as file:
        by_name = {row[4]: row[10:] for row in csv.reader(file)}
    assert by_name["架電"] == ["2026-10-20", "電話", "到達・更新予定"] and by_name["未連絡"] == ["", "", ""]


def build_queries(subs: int) -> int:
    """Queries a list build makes for a prime with `subs` subcontractors, each e-mailed and called."""
    prime = BusinessFactory()
    operator = staff_user(roles.OPERATOR, f"op{subs}")
    for _ in range(subs):
        sub = business_expiring(D(2026, 12, 31))
        LinkFactory(prime=prime, subcontractor=sub)
        contact_notice(sub, "email", "sent", at(D(2026, 10, 1)))
        phone = contact_notice(sub, "phone", "queued", at(D(2026, 10, 2)))
        CallAttempt.objects.create(
            notice=phone, operator=operator, started_at=at(D(2026, 10, 3)), ended_at=at(D(2026, 10, 3)),
            outcome="voicemail",
        )  # fmt: skip
    requested = list_services.subcontractor_list_request(prime=prime, row_filter="all", as_of=AS_OF)
    with CaptureQueriesContext(connection) as queries:
        built = list_services.subcontractor_list_build(list_id=requested.pk)
    rows = SubcontractorListRow.objects.filter(subcontractor_list=built)
    assert rows.filter(last_contact_channel="phone", last_contact_status="voicemail").count() == subs
    return len(queries)


def test_a_build_makes_as_many_queries_for_forty_rows_as_for_four():
    assert build_queries(4) == build_queries(40)
