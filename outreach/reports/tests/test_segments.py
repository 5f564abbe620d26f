"""Weak segments ranked, saved as lists, exported and handed to the phone desk."""

import csv
import datetime
import io
import re

import openpyxl
import pytest
import time_machine

from ccus import roles
from outreach.models import CallTask, Channel, Notice, SegmentList, SegmentSnapshot
from outreach.reports import segments, snapshots
from outreach.reports.tests import dashboard_data
from outreach.reports.tests.dashboard_data import TODAY
from outreach.tests.factories import business_expiring
from registrations.models import Prefecture, Trade, TradeGroup
from registrations.tests.factories import staff_user

pytestmark = pytest.mark.django_db
NOON = datetime.datetime(2026, 11, 27, 3, tzinfo=datetime.UTC)  # 12:00 in Tokyo


@pytest.fixture
def register():
    return dashboard_data.build()


def _segment_value():
    return f"13|{TradeGroup.objects.get(name='設備').pk}"


def test_segments_rank_by_renewal_rate_and_by_businesses_at_risk(register):
    by_rate = segments.segments("prefecture_trade_group", today=TODAY)
    by_risk = segments.segments("trade_capital_band", today=TODAY, order="at_risk")

    assert [(row["labels"], row["renewed"], row["terms"], row["at_risk"]) for row in by_rate] == [
        (("東京都", "設備"), 1, 2, 2),
        (("大阪府", "住宅"), 1, 1, 0),
    ]
    assert [(row["labels"][0], row["keys"][1], row["at_risk"], row["rate"]) for row in by_risk] == [
        ("管", 3, 1, 0.5),
        ("電気", 4, 1, None),
        ("大工", 1, 0, 1.0),
    ]


def test_saving_a_segment_keeps_its_businesses_at_risk(register):
    group = TradeGroup.objects.get(name="設備")

    saved = segments.segment_list_create(kind="prefecture_trade_group", keys=("13", group.pk), today=TODAY)

    assert set(saved.businesses.values_list("ccus_id", flat=True)) == {register["E"].ccus_id, register["F"].ccus_id}
    assert saved.name.startswith("東京都 × 設備")


@time_machine.travel(NOON)
def test_handing_a_list_to_the_phone_desk_creates_call_tasks_once(register):
    group = TradeGroup.objects.get(name="設備")
    saved = segments.segment_list_create(kind="prefecture_trade_group", keys=("13", group.pk), today=TODAY)

    first = segments.segment_list_calls(segment_list=saved, today=TODAY)
    again = segments.segment_list_calls(segment_list=saved, today=TODAY)

    # E already waits for a call (from the register), F gets one; nothing twice.
    assert first == {"created": 1, "left_out": 1}
    assert again == {"created": 0, "left_out": 2}
    notice = Notice.objects.get(business=register["F"], channel=Channel.PHONE)
    assert notice.status == Notice.Status.QUEUED and notice.scheduled_for == TODAY
    assert CallTask.objects.filter(notice=notice, status=CallTask.Status.OPEN).count() == 1


@time_machine.travel(NOON)
def test_supervisor_exports_a_segment_as_csv_and_xlsx(client, register):
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))
    url = "/admin/outreach/dashboard/segments/"

    page = client.get(url)
    response = client.post(url, {"kind": "prefecture_trade_group", "segment": _segment_value(), "action": "csv"})
    workbook = client.post(url, {"kind": "prefecture_trade_group", "segment": _segment_value(), "action": "xlsx"})

    assert "東京都 × 設備" in page.content.decode()
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == [register["E"].ccus_id, register["F"].ccus_id]
    book = openpyxl.load_workbook(io.BytesIO(workbook.content))
    sheet = book.active
    assert book.sheetnames == ["期限間近で未申請の事業者"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        register["E"].ccus_id,
        register["F"].ccus_id,
    ]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:G3"
    assert sheet["G2"].is_date and sheet["G2"].value.date() == register["E"].expires_on
    assert sheet.column_dimensions["A"].width >= 14
    assert not SegmentList.objects.exists()  # a download saves nothing


@time_machine.travel(NOON)
def test_call_tasks_in_one_action_from_the_segments_page(client, register):
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))

    response = client.post(
        "/admin/outreach/dashboard/segments/",
        {"kind": "prefecture_trade_group", "segment": _segment_value(), "action": "calls"},
        follow=True,
    )

    assert response.status_code == 200
    assert Notice.objects.filter(business=register["F"], channel=Channel.PHONE).count() == 1
    assert SegmentList.objects.get().calls_created == 1


def test_a_forged_segment_gets_a_message_and_saves_nothing(client, register):
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))

    response = client.post(
        "/admin/outreach/dashboard/segments/",
        {"kind": "prefecture_trade_group", "segment": "99|abc", "action": "save"},
        follow=True,
    )

    assert "表から" in response.content.decode()
    assert not SegmentList.objects.exists()
    assert Prefecture.objects.filter(code="99").count() == 0


def test_the_desk_does_not_open_the_dashboard_segments_or_saved_lists(client, register):
    """The dashboard and segment targeting are the supervisors' (issue 11's least-privilege review)."""
    client.force_login(staff_user(roles.DESK, "desk"))
    url = "/admin/outreach/dashboard/segments/"

    assert client.get(url).status_code == 403
    assert client.get("/admin/outreach/dashboard/").status_code == 403
    assert client.get("/admin/outreach/segmentlist/").status_code == 403
    assert (
        client.post(url, {"kind": "prefecture_trade_group", "segment": _segment_value(), "action": "save"}).status_code
        == 403
    )
    assert not SegmentList.objects.exists()


@time_machine.travel(NOON)
def test_supervisor_hands_a_saved_list_to_the_phone_desk_from_the_list_page(client, register):
    group = TradeGroup.objects.get(name="設備")
    saved = segments.segment_list_create(kind="prefecture_trade_group", keys=("13", group.pk), today=TODAY)
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))

    page = client.get("/admin/outreach/segmentlist/")
    response = client.post(
        "/admin/outreach/segmentlist/",
        {"action": "hand_to_phone_desk", "_selected_action": [saved.pk]},
        follow=True,
    )

    assert 'value="hand_to_phone_desk"' in page.content.decode()
    assert response.status_code == 200
    assert Notice.objects.filter(business=register["F"], channel=Channel.PHONE).count() == 1


@time_machine.travel(NOON)
def test_saving_a_segment_twice_on_one_day_keeps_one_list(client, register):
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))
    url = "/admin/outreach/dashboard/segments/"
    form = {"kind": "prefecture_trade_group", "segment": _segment_value(), "action": "save"}

    first = client.post(url, form, follow=True)
    second = client.post(url, form, follow=True)
    calls = client.post(url, {**form, "action": "calls"}, follow=True)

    saved = SegmentList.objects.get()
    assert [page.redirect_chain[-1][0] for page in (first, second, calls)] == [
        f"/admin/outreach/segmentlist/{saved.pk}/change/"
    ] * 3
    assert "リスト「東京都 × 設備" in first.content.decode()
    assert "本日すでに保存されています" in second.content.decode()
    assert saved.calls_created == 1


def _small_weak_segment():
    """One business in 北海道 × 設備 whose term expired without an application: 0% of one term."""
    hokkaido = business_expiring(datetime.date(2026, 9, 30), prefecture=Prefecture.objects.get(code="01"))
    hokkaido.trades.add(Trade.objects.get(name="管"))
    return hokkaido


def test_a_segment_too_small_to_measure_is_marked_and_ranked_after_the_measurable_ones(client, register, settings):
    _small_weak_segment()
    settings.SEGMENT_MIN_TERMS = 2
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))

    page = client.get("/admin/outreach/dashboard/segments/").content.decode()

    ranked = [(row["labels"], row["small"]) for row in segments.segments("prefecture_trade_group", today=TODAY)]
    assert ranked == [(("東京都", "設備"), False), (("北海道", "設備"), True), (("大阪府", "住宅"), True)]
    rows = re.findall(r'<tr class="segment( small)?" data-segment="[^"]+"><td>\d+</td><td>([^<]+)', page)
    assert [(label.strip(), bool(small)) for small, label in rows] == [
        ("東京都 × 設備", False),
        ("北海道 × 設備", True),
        ("大阪府 × 住宅", True),
    ]
    assert "更新率を測る登録が 2 件未満の区分は「少数」と表示し" in page
    assert page.count('class="small-segment"') == 2


def test_the_minimum_segment_size_defaults_to_twenty(register):
    _small_weak_segment()
    ranked = segments.segments("prefecture_trade_group", today=TODAY)
    assert {row["small"] for row in ranked} == {True}  # a register this small has no measurable segment
    assert ranked[0]["labels"] == ("北海道", "設備")  # then by rate


SEGMENTS_URL = "/admin/outreach/dashboard/segments/"


@time_machine.travel(NOON)
def test_the_segments_page_reads_its_snapshot_until_it_is_recomputed(
    client, register, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))
    first = client.get(SEGMENTS_URL)  # no snapshot yet: the page computes one
    snapshot = SegmentSnapshot.objects.get()
    for kind in segments.SEGMENTINGS:  # read back as JSON: the same rows as computed live
        for order in segments.ORDERS:
            stored = segments.ranked(snapshots.segments_from(snapshot, kind), order=order)
            assert stored == segments.segments(kind, today=TODAY, order=order)
    _small_weak_segment()

    with django_assert_max_num_queries(8):
        again = client.get(f"{SEGMENTS_URL}?order=at_risk").content.decode()

    assert "東京都 × 設備" in again and "北海道" not in again  # read from the snapshot
    assert "集計日時 2026-11-27 12:00" in again
    assert snapshot.as_of == TODAY
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        response = client.post(f"{SEGMENTS_URL}refresh/", {"csrfmiddlewaretoken": first.cookies["csrftoken"].value})

    assert response.status_code == 302 and response.url == SEGMENTS_URL
    assert len(enqueued) == 1
    page = client.get(SEGMENTS_URL).content.decode()
    assert "区分別の集計を再計算しました。" in page
    assert "北海道 × 設備" in page
    assert segments.ranked(snapshots.segments_from(snapshots.segments_latest(), "prefecture_trade_group")) == (
        segments.segments("prefecture_trade_group", today=TODAY)
    )


def test_an_operator_cannot_recompute_the_segments(client):
    client.force_login(staff_user(roles.OPERATOR, "op"))

    assert client.post(f"{SEGMENTS_URL}refresh/").status_code == 403
    assert not SegmentSnapshot.objects.exists()


def test_the_beat_schedule_refreshes_the_segments_every_five_minutes():
    from django_celery_beat.models import PeriodicTask

    from ccus.celery import app

    task = PeriodicTask.objects.get(task="outreach.tasks.refresh_segments_task")

    assert task.enabled and (task.interval.every, task.interval.period) == (5, "minutes")
    assert task.task in app.tasks
