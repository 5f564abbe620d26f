"""The answer page over HTTP: what it shows, what it refuses, and what a hostile visitor gets."""

import datetime
import uuid

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from outreach import answer_links
from outreach.models import Answer
from outreach.tests.answer_helpers import NOW, emailed_business, ladder

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def notice():
    ladder()
    return emailed_business(
        name="株式会社テスト建設", address="千代田区1-1", phone="03-1234-5678", representative="山田太郎"
    )[1]


def _url(notice, **kwargs):
    return reverse("answer_page", kwargs={"token": answer_links.token_for(notice, **kwargs)})


def test_the_page_shows_the_three_fields_and_nothing_else(client, notice):
    response = client.get(_url(notice))
    page = response.content.decode()
    assert response.status_code == 200
    assert "株式会社テスト建設" in page and notice.business.ccus_id in page and "2027年3月31日" in page
    for private in ("千代田区", "03-1234-5678", "山田太郎", "info@example.jp"):
        assert private not in page
    assert "現在の状況を教えてください" in page
    assert f'<span class="nowrap">{settings.DESK_PHONE}</span>' in page  # a phone number never splits on a phone
    assert response["Cache-Control"].startswith("max-age=0")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy


def _bad_pages(client, notice):
    good = answer_links.token_for(notice)
    tampered = good[:-1] + ("2" if good[-1] != "2" else "3")
    expired = answer_links.token_for(notice, now=NOW - datetime.timedelta(days=121))
    return {
        "tampered": client.get(reverse("answer_page", kwargs={"token": tampered})),
        "truncated": client.get(reverse("answer_page", kwargs={"token": good[:-3]})),
        "expired": client.get(reverse("answer_page", kwargs={"token": expired})),
        "junk": client.get("/a/%F0%9F%92%A5%E2%80%AE%00/"),
        "huge": client.get("/a/" + "x" * 5000 + "/"),
    }


def test_every_bad_token_gets_the_same_plain_japanese_page(client, notice):
    pages = _bad_pages(client, notice)
    texts = {name: response.content.decode() for name, response in pages.items()}
    assert {response.status_code for response in pages.values()} == {404}
    assert len(set(texts.values())) == 1
    text = texts["tampered"]
    assert "このページは表示できません" in text
    assert notice.business.name not in text and notice.business.ccus_id not in text


def test_a_revoked_link_gets_the_same_page_even_after_an_answer(client, notice):
    url = _url(notice)
    client.post(url, {"kind": "will_apply", "apply_by": "2027-01-15"})
    answer_links.revoke(notice=notice)
    replay = client.post(url, {"kind": "closed", "closed_on": "2026-11-30"})
    assert replay.status_code == 404
    assert "このページは表示できません" in replay.content.decode()
    assert Answer.objects.count() == 1


def test_an_answer_is_taken_once_then_the_page_thanks(client, notice):
    url = _url(notice)
    response = client.post(url, {"kind": "will_apply", "apply_by": "2027-01-15"})
    assert response.status_code == 302 and response["Location"] == url
    answer = Answer.objects.get()
    assert (answer.kind, answer.status, answer.notice, answer.answered_at) == ("will_apply", "noted", notice, NOW)
    assert answer.pause_until == datetime.date(2027, 1, 29)
    again = client.post(url, {"kind": "closed", "closed_on": "2026-11-30"})
    assert "ご回答ありがとうございました" in again.content.decode()
    assert Answer.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({}, "回答を1つ選んでください。"),
        ({"kind": "nonsense"}, "回答の中から選んでください。"),
        ({"kind": "will_apply"}, "この項目を入力してください。"),
        ({"kind": "will_apply", "apply_by": "2026-11-30"}, "過去の日付は入力できません。"),
        ({"kind": "will_apply", "apply_by": "2027-04-01"}, "有効期限（2027-03-31）までに申請してください。"),
        ({"kind": "will_apply", "apply_by": "二〇二七年"}, "日付を正しく入力してください。"),
        ({"kind": "applied", "applied_on": "2026-12-02", "applied_route": "direct"}, "未来の日付は入力できません。"),
        ({"kind": "applied", "applied_on": "2026-11-20"}, "この項目を入力してください。"),
        ({"kind": "merged", "merged_on": "2026-11-01"}, "この項目を入力してください。"),
        ({"kind": "contact"}, "新しい連絡先を1つ以上入力してください。"),
        ({"kind": "contact", "new_email": "not-an-address"}, "有効なメールアドレスを入力してください。"),
        ({"kind": "contact", "new_phone": "12"}, "電話番号は10桁または11桁で入力してください。"),
        ({"kind": "contact", "new_postal_code": "12"}, "郵便番号は7桁の数字で入力してください"),
        ({"kind": "contact", "new_address": "東京" * 200}, "この値は 200 文字以下でなければなりません"),
        ({"kind": "agent", "agent_name": "行政書士\x00事務所", "agent_contact": "03"}, "NUL文字"),
    ],
)
def test_bad_answers_get_japanese_messages_and_write_nothing(client, notice, data, field_message):
    response = client.post(_url(notice), data)
    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert not Answer.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(notice):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(_url(notice), {"kind": "closed", "closed_on": "2026-11-30"})
    assert response.status_code == 403
    assert "送信できませんでした" in response.content.decode()
    assert not Answer.objects.exists()


def test_no_redirect_leaves_the_site(client, notice):
    url = _url(notice)
    response = client.post(url + "?next=https://evil.example/", {"kind": "will_apply", "apply_by": "2027-01-15"})
    assert response["Location"] == url


@pytest.fixture
def redis_cache(redis_url):
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    with override_settings(CACHES=caches):
        yield


@override_settings(ANSWER_RATE_PER_LINK=5, ANSWER_RATE_PER_ADDRESS=1000)
def test_one_link_is_limited_per_hour(redis_cache, client, notice):
    token = answer_links.token_for(notice)
    url = reverse("answer_page", kwargs={"token": token})
    spellings = [token, token.upper(), token.replace("0", "O"), token, token.upper(), token]
    statuses = [client.get(reverse("answer_page", kwargs={"token": spelt})).status_code for spelt in spellings]
    assert statuses == [200] * 5 + [429]  # the same link however it is spelt
    assert "しばらくしてから" in client.get(url).content.decode()
    # Another business's link from the same address is not held back by this one.
    assert client.get(_url(emailed_business()[1])).status_code == 200


@override_settings(ANSWER_RATE_PER_LINK=1000, ANSWER_RATE_PER_ADDRESS=10)
def test_one_address_guessing_tokens_is_limited(redis_cache, client, notice):
    statuses = [client.get(f"/a/0-0-{n}-0000000000000000/").status_code for n in range(10)]
    assert statuses == [404] * 10
    # The eleventh request from that address is refused, even with a good link.
    assert client.get(_url(notice)).status_code == 429
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert other.get(_url(notice)).status_code == 200


def test_the_page_works_while_the_rate_limit_cache_is_down(client, notice, caplog):
    """Redis is only transport: the answer is a database row, and the link is still checked."""
    unreachable = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    with override_settings(CACHES=unreachable):
        assert client.get("/a/0-0-0-0000000000000000/").status_code == 404
        response = client.post(_url(notice), {"kind": "will_apply", "apply_by": "2027-01-15"})
    assert response.status_code == 302 and Answer.objects.get().notice == notice
    assert "rate-limit cache is unreachable" in caplog.text
