"""Every number of the dashboard against the hand-worked register of dashboard_data."""

import datetime

import pytest
import time_machine

from ccus import roles
from outreach.models import CallAttempt, CallOutcome, Channel, Notice
from outreach.reports import dashboard
from outreach.reports.tests import dashboard_data
from outreach.reports.tests.dashboard_data import TODAY, D
from registrations.models import Trade
from registrations.tests.factories import staff_user
from renewals import fiscal, stats
from renewals.models import Target

pytestmark = pytest.mark.django_db


@pytest.fixture
def register():
    return dashboard_data.build()


def test_year_progress_counts_renewals_registrations_and_fees_against_the_carried_over_target(register):
    progress = dashboard.year_progress(today=TODAY)

    assert progress["year"].label == "FY2026"
    assert progress["carried_over"] is True
    assert progress["target"].fiscal_year == 2025
    assert progress["renewals"] == {"count": 3, "approved": 1, "fee": 54_000}
    assert progress["registrations"] == {"count": 1, "fee": 24_000}
    assert progress["income"] == 78_000
    assert progress["budget"] == 898_215_000
    assert progress["observed"] == {"terms": 4, "renewed": 3, "rate": 0.75}
    assert progress["forecast"] == 54_000
    assert progress["registrations_forecast"] == 12_349
    assert progress["projected"] == 144_349
    assert progress["renewals_share"] == 3 / 32_000


def test_a_year_with_its_own_target_is_not_carried_over(register):
    Target.objects.create(fiscal_year=2026, renewals=10, new_registrations=4, fee_budget=1_000_000)

    progress = dashboard.year_progress(today=TODAY)

    assert progress["carried_over"] is False
    assert progress["renewals_share"] == 0.3
    assert progress["registrations_share"] == 0.25
    assert progress["income_share"] == 0.078


def test_expiry_calendar_splits_each_month_by_renewal_status(register):
    calendar = dict(stats.expiry_calendar(today=TODAY))

    assert len(calendar) == 18
    months = list(calendar)
    assert (months[0], months[-1]) == (D(2026, 11, 1), D(2028, 4, 1))
    non_zero = {month: {k: v for k, v in counts.items() if v} for month, counts in calendar.items()}
    assert {month: counts for month, counts in non_zero.items() if counts} == {
        D(2026, 12, 1): {"window_open": 1},
        D(2027, 1, 1): {"window_open": 1},
        D(2027, 3, 1): {"pending": 1},
        D(2027, 8, 1): {"active": 1},
    }


def test_renewal_rates_by_prefecture_trade_group_trade_and_capital_band(register):
    def rates(name):
        return {row["labels"][0]: (row["renewed"], row["terms"]) for row in stats.renewal_rates([name], today=TODAY)}

    assert rates("prefecture") == {"東京都": (1, 2), "大阪府": (2, 2)}
    assert rates("trade_group") == {"設備": (1, 2), "住宅": (1, 1)}
    assert rates("trade") == {"管": (1, 2), "大工": (1, 1)}
    assert [row["rate"] for row in stats.renewal_rates(["prefecture"], today=TODAY)] == [0.5, 1.0]
    bands = {
        row["keys"][0]: (row["renewed"], row["terms"]) for row in stats.renewal_rates(["capital_band"], today=TODAY)
    }
    assert bands == {0: (1, 1), 1: (1, 1), 3: (1, 2)}


def test_all_rate_tables_in_one_pass_count_a_business_once_per_group_and_per_combination(register):
    # A's second trade is in 設備 too: A counts once in 設備, once in each trade.
    register["A"].trades.add(Trade.objects.get(name="電気"))
    by_dimension, by_pair = stats.renewal_rates_of([["trade_group"], ["prefecture", "trade_group"]], today=TODAY)

    assert {row["labels"]: (row["renewed"], row["terms"]) for row in by_dimension} == {
        ("設備",): (1, 2),
        ("住宅",): (1, 1),
    }
    assert {row["labels"]: (row["renewed"], row["terms"]) for row in by_pair} == {
        ("東京都", "設備"): (1, 2),
        ("大阪府", "住宅"): (1, 1),
    }
    assert {row["labels"][0]: row["terms"] for row in stats.renewal_rates(["trade"], today=TODAY)} == {
        "管": 2,
        "大工": 1,
        "電気": 1,
    }
    assert dashboard.figures(today=TODAY)["rates"]["trade_group"] == by_dimension


def test_funnel_follows_each_channel_from_sent_to_renewed(register):
    rows = {row["channel"]: row for row in dashboard.funnel(fiscal.fiscal_year(2026))}

    def stages(channel):
        return [rows[channel][stage] for stage in dashboard.FUNNEL_STAGES]

    assert stages("email") == [2, 1, 1, 1]
    assert stages("postcard") == [1, 1, 1, 0]
    assert stages("phone") == [1, 0, 0, 0]
    assert stages("prime_list") == [0, 0, 0, 0]


def test_funnel_counts_a_notice_once_and_by_its_day_in_japan(register):
    # E's phone notice is answered and marked sent, after two calls: still one notice.
    phone = Notice.objects.get(channel=Channel.PHONE)
    CallAttempt.objects.create(
        notice=phone, operator=phone.call_attempts.get().operator, started_at=dashboard_data._at(D(2026, 11, 21)),
        ended_at=dashboard_data._at(D(2026, 11, 21)), outcome=CallOutcome.WILL_RENEW,
    )  # fmt: skip
    Notice.objects.filter(pk=phone.pk).update(status=Notice.Status.SENT, sent_at=dashboard_data._at(D(2026, 11, 21)))
    # Sent at 23:30 and 00:30 in Japan around the quarter's end (14:30 and 15:30 UTC).
    for hour in (14, 15):
        at = datetime.datetime(2026, 12, 31, hour, 30, tzinfo=datetime.UTC)
        notice = dashboard_data._notice(register["F"], Channel.EMAIL, status=Notice.Status.SENT, day=D(2026, 12, 1))
        Notice.objects.filter(pk=notice.pk).update(sent_at=at)

    quarter = {row["channel"]: row["sent"] for row in dashboard.funnel(fiscal.quarter(2026, 3))}

    assert quarter == {"email": 1, "postcard": 0, "phone": 1, "prime_list": 0}
    assert [row["sent"] for row in dashboard.funnel(fiscal.fiscal_year(2026))] == [4, 1, 1, 0]


def test_lapses_per_month_over_the_last_year(register):
    lapses = dict(dashboard.dashboard(today=TODAY)["lapses"])

    assert len(lapses) == 12
    assert {month: n for month, n in lapses.items() if n} == {D(2026, 8, 1): 1}


def test_a_quarter_string_names_fiscal_months_and_bad_ones_are_refused():
    assert fiscal.parse_quarter("2026Q3") == fiscal.Period(D(2026, 10, 1), D(2026, 12, 31), "2026Q3")
    assert fiscal.parse_quarter("2026q4").start == D(2027, 1, 1)
    for bad in ["2026Q5", "2026-3", "", "Q3", "20261Q1"]:
        with pytest.raises(fiscal.PeriodError):
            fiscal.parse_quarter(bad)


@time_machine.travel(datetime.datetime(2026, 11, 27, 10, tzinfo=datetime.UTC))
def test_supervisor_sees_the_dashboard_linked_from_the_admin_home(client, register):
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))

    home = client.get("/admin/").content.decode()
    page = client.get("/admin/outreach/dashboard/")

    assert "/admin/outreach/dashboard/" in home
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="carried-over"' in html
    assert "¥78,000" in html and "¥144,349" in html and "¥898,215,000" in html
    assert "<svg" in html


def test_operator_cannot_open_the_dashboard(client):
    client.force_login(staff_user(roles.OPERATOR, "op"))

    assert client.get("/admin/outreach/dashboard/").status_code == 403
