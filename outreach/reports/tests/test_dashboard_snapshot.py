"""The dashboard's snapshot: equal to the live figures, refreshed by its task, cheap to show."""

import datetime
import threading
import time

import pytest
import time_machine
from django.db import connection
from django.test import Client

from ccus import roles
from outreach.models import DashboardSnapshot
from outreach.reports import dashboard, snapshots
from outreach.reports import tasks as report_tasks
from outreach.reports.tests import dashboard_data
from outreach.reports.tests.dashboard_data import TODAY, D
from registrations.tests.factories import staff_user
from renewals import fiscal
from renewals.models import Target

MORNING = datetime.datetime(2026, 11, 27, 1, tzinfo=datetime.UTC)  # 10:00 in Tokyo, on TODAY
URL = "/admin/outreach/dashboard/"


@pytest.fixture
def register(db):
    return dashboard_data.build()


def _apply(business, day):
    dashboard_data._apply(business, day)


@pytest.mark.django_db
def test_snapshot_equals_the_live_computation(register):
    snapshots.snapshot_refresh(today=TODAY)

    stored = snapshots.latest()  # read back from the database: JSON, not the objects just computed

    assert stored.as_of == TODAY
    assert snapshots.dashboard_from(stored) == dashboard.dashboard(today=TODAY)
    assert snapshots.load(stored.data) == dashboard.figures(today=TODAY)


@pytest.mark.django_db
def test_an_edited_target_shows_at_once_on_a_stored_snapshot(register):
    snapshot = snapshots.snapshot_refresh(today=TODAY)
    Target.objects.create(fiscal_year=2026, renewals=10, new_registrations=4, fee_budget=1_000_000)

    progress = snapshots.dashboard_from(snapshot)["progress"]

    assert progress["carried_over"] is False
    assert progress["renewals_share"] == 0.3
    assert progress == dashboard.year_progress(today=TODAY)


@pytest.mark.django_db
@time_machine.travel(MORNING)
def test_refresh_task_runs_through_the_celery_api_and_stores_one_row_per_day(register):
    first = report_tasks.refresh_dashboard_task.delay().get()
    second = report_tasks.refresh_dashboard_task.apply_async().get()

    assert first["as_of"] == second["as_of"] == "2026-11-27"
    assert DashboardSnapshot.objects.count() == 1
    assert snapshots.dashboard_from(snapshots.latest()) == dashboard.dashboard(today=TODAY)


@pytest.mark.django_db
def test_the_beat_schedule_runs_the_refresh_every_five_minutes():
    from django_celery_beat.models import PeriodicTask

    from ccus.celery import app

    task = PeriodicTask.objects.get(task="outreach.tasks.refresh_dashboard_task")

    assert task.enabled and (task.interval.every, task.interval.period) == (5, "minutes")
    assert task.task in app.tasks


@pytest.mark.django_db
def test_a_stale_snapshot_is_flagged_and_the_task_replaces_it(register, client):
    with time_machine.travel(MORNING - datetime.timedelta(days=1)):
        report_tasks.refresh_dashboard_task.delay()
    _apply(register["E"], D(2026, 11, 27))
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))

    with time_machine.travel(MORNING):
        stale = client.get(URL).content.decode()
        report_tasks.refresh_dashboard_task.delay()
        fresh = client.get(URL).content.decode()

    assert 'id="snapshot-stale"' in stale and "2026-11-26 10:00" in stale
    assert 'id="snapshot-stale"' not in fresh and "2026-11-27 10:00" in fresh
    assert snapshots.latest().as_of == TODAY
    assert snapshots.latest().data["progress"]["renewals"]["count"] == 4  # E's application counted
    assert snapshots.load(snapshots.latest().data) == dashboard.figures(today=TODAY)


@pytest.mark.django_db
@time_machine.travel(MORNING)
def test_the_first_visit_computes_and_stores_then_the_page_reads_the_snapshot(
    register, client, django_assert_max_num_queries
):
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))
    assert client.get(URL).status_code == 200
    assert DashboardSnapshot.objects.count() == 1

    with django_assert_max_num_queries(6):
        page = client.get(URL)

    html = page.content.decode()
    assert "¥78,000" in html and "¥144,349" in html and "¥898,215,000" in html
    assert DashboardSnapshot.objects.count() == 1


@pytest.mark.django_db
@time_machine.travel(MORNING)
def test_staff_who_see_the_dashboard_recompute_it_by_post_with_csrf(register, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))
    page = client.get(URL)
    _apply(register["E"], D(2026, 11, 27))
    token = page.cookies["csrftoken"].value

    assert client.post(f"{URL}refresh/").status_code == 403  # no CSRF token
    assert client.get(f"{URL}refresh/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        response = client.post(f"{URL}refresh/", {"csrfmiddlewaretoken": token})

    assert response.status_code == 302 and response.url == URL
    assert len(enqueued) == 1
    assert snapshots.latest().data["progress"]["renewals"]["count"] == 4
    assert "再計算しました" in client.get(URL).content.decode()


@pytest.mark.django_db
def test_an_operator_cannot_recompute_the_dashboard(client):
    client.force_login(staff_user(roles.OPERATOR, "op"))

    assert client.post(f"{URL}refresh/").status_code == 403
    assert not DashboardSnapshot.objects.exists()


def test_new_registrations_are_forecast_at_the_year_to_date_run_rate():
    year = fiscal.fiscal_year(2026)

    assert dashboard.registrations_forecast(fee_to_date=24_000, year=year, today=TODAY) == 12_349
    assert dashboard.registrations_forecast(fee_to_date=6_000, year=year, today=D(2026, 4, 1)) == 6_000 * 364
    assert dashboard.registrations_forecast(fee_to_date=24_000, year=year, today=D(2027, 3, 31)) == 0
    assert dashboard.registrations_forecast(fee_to_date=24_000, year=year, today=D(2027, 4, 1)) == 0
    assert dashboard.registrations_forecast(fee_to_date=0, year=year, today=TODAY) == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_refreshes_at_once_take_turns_and_readers_never_see_a_half_written_snapshot(postgres, monkeypatch):
    register = dashboard_data.build()
    before = snapshots.snapshot_refresh(today=TODAY)
    _apply(register["E"], D(2026, 11, 27))
    release, computing = threading.Event(), threading.Event()
    live_figures = dashboard.figures

    def held_figures(*, today):
        data = live_figures(today=today)
        if threading.current_thread().name == "first":
            computing.set()
            release.wait(30)
        return data

    monkeypatch.setattr(dashboard, "figures", held_figures)
    errors = []

    def refresh():
        try:
            snapshots.snapshot_refresh(today=TODAY)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=refresh, name="first")
    first.start()
    assert computing.wait(30)
    second = threading.Thread(target=refresh, name="second")
    second.start()
    waiting = _wait_for_advisory_lock_waiter()
    seen_meanwhile = snapshots.latest()
    release.set()
    first.join(30)
    second.join(30)

    assert errors == []
    assert waiting  # the second refresh queued on the first one's lock
    assert seen_meanwhile.computed_at == before.computed_at and seen_meanwhile.data == before.data
    assert DashboardSnapshot.objects.count() == 1
    after = snapshots.latest()
    assert after.computed_at > before.computed_at
    assert after.data["progress"]["renewals"]["count"] == 4
    assert snapshots.load(after.data) == live_figures(today=TODAY)


def _wait_for_advisory_lock_waiter(timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False
