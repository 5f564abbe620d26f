"""Postcards the post office and the print shop accept: sender, postage, wording, line breaks, layout.

Every check opens the files back: the PDF's text (pypdf), its positions, and the CSV.
"""

import csv
import datetime
import io
import re
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from outreach import scan, services
from outreach.desk import is_real_phone
from outreach.line_breaking import fit
from outreach.models import Notice, NoticeTemplate, PostcardBatch, ReminderPolicy
from outreach.postcards import pdf
from outreach.postcards import services as postcard_services
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.models import Prefecture

pytestmark = pytest.mark.django_db
D = datetime.date
POSTING_DAY = D(2026, 11, 20)
MM = 72 / 25.4
DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
CLOSING = tuple("。、）」』】〕")
OPENING = tuple("（「『【〔")
LONG_ADDRESS = "札幌市中央区北一条西二十丁目1番地の3 さっぽろ中央ビルディング第二別館 1203号室"
LONG_NAME = "特定非営利活動法人北海道建設技能者育成支援協議会（旧・札幌建設技能者協会）"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def build(day=POSTING_DAY) -> PostcardBatch:
    with time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
    ):
        batch = postcard_services.postcard_batch_start(for_date=day)
        return postcard_services.postcard_batch_build(batch_id=batch.pk)


def pdf_pages(batch) -> list[str]:
    with default_storage.open(batch.pdf.name, "rb") as handle:
        return [page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages]


def csv_rows(batch) -> list[dict]:
    with default_storage.open(batch.csv_utf8.name, "rb") as handle:
        return list(csv.DictReader(io.StringIO(handle.read().decode("utf-8-sig"), newline="")))


def text_positions(page) -> list[tuple[float, float, str]]:
    """(x, y, text) of every piece of text drawn on a page, in points from the bottom left."""
    spots: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            spots.append((tm[4], tm[5], text))

    page.extract_text(visitor_text=visit)
    return spots


def seeded_policy_cards() -> dict[str, object]:
    """Three businesses of the seeded ladder in three situations on POSTING_DAY, their postcards queued."""
    ReminderPolicy.objects.filter(name="標準の更新督促（FY2025計画）").update(is_active=True)
    businesses = {
        "window": business_expiring(D(2027, 1, 31)),  # apply by 2026-12-31
        "last_weeks": business_expiring(D(2026, 12, 31)),  # 2026-11-30 is ten days away: by the expiry date
        "lapsed": business_expiring(D(2026, 11, 10), postal_code="1600023", address="新宿区西新宿2-8-1"),
    }
    scan.run_scan(today=POSTING_DAY)
    queued = Notice.objects.filter(channel="postcard", status="queued")
    assert set(queued.values_list("business_id", flat=True)) == {b.pk for b in businesses.values()}
    return businesses


def test_a_batch_refuses_to_build_without_a_sender_and_claims_nothing(settings):
    policy_with_steps(("postcard", 90, 0))
    business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2026, 11, 2))
    settings.POSTCARD_SENDER_NAME = ""
    settings.POSTCARD_SENDER_ADDRESS = []
    settings.DESK_PHONE = "03-0000-0000"  # the old placeholder is not a phone number
    with pytest.raises(CommandError) as refused:
        call_command("build_postcard_batch", "--date", "2026-11-02", stdout=io.StringIO())
    assert refused.value.returncode == 1
    message = str(refused.value)
    assert "差出人" in message and "POSTCARD_SENDER_NAME" in message and "POSTCARD_SENDER_ADDRESS" in message
    assert "DESK_PHONE" in message and "POSTCARD_SENDER_POSTAL_CODE" not in message
    assert not PostcardBatch.objects.exists()
    assert set(Notice.objects.values_list("status", "batch")) == {("queued", None)}


@pytest.mark.parametrize(
    ("mark", "office", "approval", "missing"),
    [
        ("", "", "", "POSTCARD_POSTAGE_MARK"),
        ("料金別納", "", "", "POSTCARD_POST_OFFICE"),
        ("料金後納", "京橋郵便局", "", "POSTCARD_POSTAGE_APPROVAL"),
    ],
)
def test_the_postage_must_be_declared_before_a_batch_starts(settings, mark, office, approval, missing):
    settings.POSTCARD_POSTAGE_MARK, settings.POSTCARD_POST_OFFICE = mark, office
    settings.POSTCARD_POSTAGE_APPROVAL = approval
    with pytest.raises(services.OutreachError, match=missing):
        postcard_services.postcard_batch_start(for_date=POSTING_DAY)
    assert not PostcardBatch.objects.exists()


@pytest.mark.parametrize(
    ("number", "real"),
    [
        ("03-1234-5678", True),
        ("０３－１２３４－５６７８", True),
        ("090-1234-5678", True),
        ("0120-123-456", True),
        ("03-0000-0000", False),
        ("0312345678", True),
        ("03-0123-4567", False),
        ("000-1234-5678", False),
        ("1234", False),
        ("", False),
    ],
)
def test_only_a_real_japanese_number_counts_as_the_desks_phone(number, real):
    assert is_real_phone(number) is real


def test_every_card_carries_the_postage_mark_and_the_return_address_and_the_csv_says_the_same(settings):
    settings.POSTCARD_POSTAGE_MARK, settings.POSTCARD_POSTAGE_APPROVAL = "料金後納", "第1234号"
    policy_with_steps(("postcard", 90, 0))
    for code in ("1000001", "1600023", "1000005"):
        business_expiring(D(2027, 1, 31), postal_code=code)
    scan.run_scan(today=D(2026, 11, 2))
    batch = build(D(2026, 11, 2))
    pages = pdf_pages(batch)
    address_sides = pages[0::2]
    assert len(address_sides) == 3
    for text in address_sides:
        assert "郵便はがき" in text
        assert "料金後納" in text and "京橋郵便局" in text and "承認番号 第1234号" in text
        assert "〒104-0032" in text and "東京都中央区八丁堀9-9-9 テスト会館3階" in text
        assert "CCUS事業者登録窓口" in text and "TEL 03-6812-4510" in text
    for row in csv_rows(batch):
        assert row["料金表示"] == "京橋郵便局 料金後納 郵便 承認番号 第1234号"
        assert row["差出人"] == "〒104-0032 東京都中央区八丁堀9-9-9 テスト会館3階 CCUS事業者登録窓口 TEL 03-6812-4510"


def test_stock_bearing_postage_gets_neither_the_marking_nor_a_mark(settings):
    settings.POSTCARD_POSTAGE_MARK, settings.POSTCARD_POST_OFFICE = "none", ""
    policy_with_steps(("postcard", 90, 0))
    business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2026, 11, 2))
    batch = build(D(2026, 11, 2))
    address_side = pdf_pages(batch)[0]
    assert "郵便はがき" not in address_side and "料金" not in address_side
    assert "〒104-0032" in address_side  # the return address is still printed
    assert csv_rows(batch)[0]["料金表示"] == "なし（切手・料額印面つきの用紙に印刷）"


def test_the_wording_follows_the_situation_on_the_posting_date_with_no_past_date_and_no_day_count():
    businesses = seeded_policy_cards()
    batch = build()
    assert (batch.total, batch.excluded) == (3, 0)
    notices = {n.business_id: n for n in Notice.objects.filter(batch=batch)}
    cards = {situation: notices[business.pk].body for situation, business in businesses.items()}
    assert "更新申請を受け付けています。2026年12月31日までに更新申請をお願いいたします。" in cards["window"]
    assert "有効期限の2026年12月31日までに、至急、更新申請をお願いいたします。" in cards["last_weeks"]
    assert "2026年11月30日" not in cards["last_weeks"]
    assert "再登録" in cards["lapsed"] and "更新申請" not in cards["lapsed"]
    assert "登録状況：失効" in cards["lapsed"]
    for text in pdf_pages(batch):
        assert "残り" not in text
        dates = [D(int(y), int(m), int(d)) for y, m, d in DATE.findall("".join(text.split()))]
        assert all(day >= POSTING_DAY for day in dates), dates


def test_the_day_count_and_renew_by_are_refused_on_postcards_but_not_in_e_mails():
    card = NoticeTemplate(
        name="はがき", channel="postcard", subject="件名", body="残り{{ days_left }}日、{{ renew_by }}まで"
    )
    with pytest.raises(ValidationError) as refused:
        card.full_clean()
    messages = refused.value.message_dict["body"]
    assert any("days_left" in m and "はがき" in m for m in messages)
    assert any("renew_by" in m for m in messages)
    NoticeTemplate(name="メール", channel="email", subject="件名", body="残り{{ days_left }}日").full_clean()


@pytest.mark.parametrize("name", ["株式会社テスト建設300", "株式会社テスト建設3000", "有限会社ヤマダ"])
def test_the_honorific_is_never_split_from_itself(name):
    width = pdf.PAGE_WIDTH - pdf.ADDRESS_LEFT - pdf.ADDRESS_RIGHT
    _size, lines = fit(f"{name}　御中", width=width, sizes=(16, 15, 14, 13, 12, 11, 10), max_lines=2)
    assert lines[-1].endswith("御中") and "".join(lines).replace("　", "") == f"{name}御中"


def test_lines_never_start_with_a_closing_mark_and_long_addresses_stay_on_the_card():
    policy_with_steps(("postcard", 90, 0))
    NoticeTemplate.objects.filter(name="test postcard").update(
        body="「{{ business_name }}」様（事業者ID {{ ccus_id }}）。"
        "お問い合わせは、窓口（{{ desk_phone }}）まで、お気軽にどうぞ。" * 3
    )
    hokkaido = Prefecture.objects.get(code="01")
    business_expiring(D(2027, 1, 31), name=LONG_NAME, postal_code="0600001", prefecture=hokkaido, address=LONG_ADDRESS)
    scan.run_scan(today=D(2026, 11, 2))
    with default_storage.open(build(D(2026, 11, 2)).pdf.name, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    for page in reader.pages:
        lines = [line.strip() for line in page.extract_text().splitlines() if line.strip()]
        assert not [line for line in lines if line.startswith(CLOSING)]
        assert not [line for line in lines if line.endswith(OPENING)]
        assert not [line for line in lines if re.search(r"03-6812-?$|^4510", line)], "a phone number split"
        for x, y, text in text_positions(page):
            assert 5 * MM <= x <= 95 * MM and y >= 15 * MM, (x / MM, y / MM, text)  # bottom 15 mm kept clear
    address_side = "".join(reader.pages[0].extract_text().split())
    assert "北海道" + LONG_ADDRESS.replace(" ", "") in address_side
    assert LONG_NAME in address_side
