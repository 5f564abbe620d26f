"""The answer page's links: signed, bound to business and notice, expiring, revocable, and hard to abuse."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from outreach import answer_links
from outreach.tests.answer_helpers import NOW, emailed_business, ladder
from registrations.tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice():
    ladder()
    with time_machine.travel(NOW, tick=False):
        return emailed_business()[1]


def test_a_fresh_token_opens_its_notice(notice):
    token = answer_links.token_for(notice, now=NOW)
    assert answer_links.notice_for(token, now=NOW) == notice
    # What a person types from a postcard: capitals, full-width characters, O for 0.
    typed = token.upper().replace("0", "O").translate(str.maketrans("ABCDEF0123", "ＡＢＣＤＥＦ０１２３"))
    assert answer_links.notice_for(typed, now=NOW) == notice


def test_the_token_does_not_contain_the_business_id(notice):
    token = answer_links.token_for(notice, now=NOW)
    assert notice.business.ccus_id not in token
    assert answer_links.token_for(notice, now=NOW + datetime.timedelta(seconds=1)) != token


def test_every_changed_character_breaks_the_token(notice):
    token = answer_links.token_for(notice, now=NOW)
    for position, char in enumerate(token):
        if char == "-":
            continue
        replacement = "2" if char != "2" else "3"
        assert answer_links.notice_for(token[:position] + replacement + token[position + 1 :], now=NOW) is None


def test_another_businesss_notice_cannot_be_reached_by_swapping_ids(notice):
    other = BusinessFactory()
    notice_part, _business_part, issued, mac = answer_links.token_for(notice, now=NOW).split("-")
    swapped = "-".join([notice_part, answer_links._encode(other.pk), issued, mac])
    assert answer_links.notice_for(swapped, now=NOW) is None


@pytest.mark.parametrize(
    "token",
    [
        "",
        "-",
        "0-0-0-0000000000000000",
        "a" * 10_000,
        "ｚｚｚ－ｚｚｚ",
        "1-1-1-" + "💥" * 16,
        "../../admin/",
        "1-1-1-0000000000000000\x00",
        "9" * 13 + "-" + "9" * 13 + "-" + "9" * 13 + "-" + "0" * 16,
    ],
)
def test_junk_is_refused_quietly(notice, token):
    assert answer_links.notice_for(token, now=NOW) is None


def test_a_truncated_token_is_refused(notice):
    token = answer_links.token_for(notice, now=NOW)
    for length in range(len(token)):
        assert answer_links.notice_for(token[:length], now=NOW) is None


@override_settings(ANSWER_LINK_MAX_AGE_DAYS=120)
def test_a_token_expires_after_the_configured_days(notice):
    token = answer_links.token_for(notice, now=NOW)
    assert answer_links.notice_for(token, now=NOW + datetime.timedelta(days=120)) == notice
    assert answer_links.notice_for(token, now=NOW + datetime.timedelta(days=120, seconds=1)) is None
    with override_settings(ANSWER_LINK_MAX_AGE_DAYS=10):
        assert answer_links.notice_for(token, now=NOW + datetime.timedelta(days=11)) is None
    # Issued "in the future" (a forged clock) is refused too.
    assert answer_links.notice_for(token, now=NOW - datetime.timedelta(hours=1)) is None


def test_revoking_stops_the_links_issued_before_and_not_those_after(notice):
    old = answer_links.token_for(notice, now=NOW)
    answer_links.revoke(notice=notice, now=NOW + datetime.timedelta(minutes=1))
    assert answer_links.notice_for(old, now=NOW + datetime.timedelta(minutes=2)) is None
    new = answer_links.token_for(notice, now=NOW + datetime.timedelta(minutes=3))
    assert answer_links.notice_for(new, now=NOW + datetime.timedelta(minutes=4)) == notice


@override_settings(ANSWER_PAGE_BASE_URL="https://answers.example.jp/")
def test_response_link_prints_the_full_url_last(notice):
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("response_link", notice.business.ccus_id, stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("https://answers.example.jp/a/")
    token = last.removeprefix("https://answers.example.jp/a/").rstrip("/")
    assert answer_links.notice_for(token, now=NOW) == notice
    assert "2027-03-31 10:00" in out.getvalue()  # 120 days on


def test_response_link_without_a_notice_is_an_error():
    business = BusinessFactory()
    with pytest.raises(CommandError) as raised:
        call_command("response_link", business.ccus_id)
    assert raised.value.returncode == 1
    assert "通知がない" in str(raised.value)
