import csv
import datetime
import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from pypdf import PdfReader

from outreach import scan, services
from outreach.models import Notice, PostcardBatch
from outreach.postcards import customer_barcode
from outreach.postcards import services as postcard_services
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.models import Prefecture

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2026, 11, 2)  # 90 days before 2027-01-31: the postcard step is due
MM = 72 / 25.4


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def postcard_policy():
    return policy_with_steps(("postcard", 90, 0))


def queued_postcards(*fields_list: dict) -> list:
    businesses = [business_expiring(D(2027, 1, 31), **fields) for fields in fields_list]
    scan.run_scan(today=TODAY)
    return businesses


def build(day=TODAY) -> PostcardBatch:
    batch = postcard_services.postcard_batch_start(for_date=day)
    return postcard_services.postcard_batch_build(batch_id=batch.pk)


def pdf_of(batch) -> PdfReader:
    with default_storage.open(batch.pdf.name, "rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def csv_rows(name: str, encoding: str) -> list[list[str]]:
    with default_storage.open(name, "rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode(encoding), newline="")))


def test_the_pdf_has_two_postcard_sized_pages_per_notice_with_the_font_embedded(postcard_policy):
    first, second = queued_postcards(
        {"name": "株式会社髙橋工務店", "postal_code": "1000001"}, {"name": "有限会社佐藤電気", "postal_code": "1600023"}
    )
    batch = build()
    assert (batch.status, batch.total, batch.done, batch.excluded) == ("ready", 2, 2, 0)
    reader = pdf_of(batch)
    assert len(reader.pages) == 4
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(100 * MM, abs=0.1)
        assert float(page.mediabox.height) == pytest.approx(148 * MM, abs=0.1)
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, "every font must be an embedded TrueType font"
    address_side = reader.pages[0].extract_text()
    message_side = reader.pages[1].extract_text()
    assert "1000001" in "".join(address_side.split())  # the digits, one per postal-code box
    assert "東京都千代田区千代田1-1" in address_side
    assert "株式会社髙橋工務店" in address_side and "御中" in address_side
    assert first.ccus_id not in address_side  # the ID's barcode stays off the machines' side
    assert f"事業者ID {first.ccus_id}" in message_side  # under its barcode
    assert f"事業者ID：{first.ccus_id}" in message_side and "2027年1月31日" in message_side
    assert "1600023" in "".join(reader.pages[2].extract_text().split())  # sorted by postal code
    assert second.ccus_id in reader.pages[3].extract_text()


def font_files(page) -> dict[str, int]:
    """BaseFont → object number of its embedded TrueType file, for the page and the forms it places."""
    found = {}
    resources = [page["/Resources"]]
    resources += [form.get_object()["/Resources"] for form in page["/Resources"].get("/XObject", {}).values()]
    for resource in resources:
        for font in resource.get("/Font", {}).values():
            font = font.get_object()
            found[str(font["/BaseFont"])] = font["/FontDescriptor"].get_object().raw_get("/FontFile2").idnum
    return found


def test_a_batch_drawn_in_parts_is_one_valid_pdf_that_embeds_each_font_once_per_part(postcard_policy, monkeypatch):
    monkeypatch.setattr("outreach.postcards.pdf.CARDS_PER_PART", 2)
    businesses = queued_postcards(*({"postal_code": f"100000{digit}"} for digit in range(1, 6)))
    batch = build()
    with default_storage.open(batch.pdf.name, "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()), strict=True)
    assert reader.metadata.title == f"CCUS はがき 印刷バッチ #{batch.pk} ({TODAY})"
    assert reader.trailer["/Root"]["/Pages"]["/Count"] == 10 and len(reader.pages) == 10
    for number in range(1, reader.trailer["/Size"]):
        reader.get_object(number)  # every cross-reference entry points at its object
    ids = [business.ccus_id for business in businesses]  # postal codes ascending: the print order
    for number, ccus_id in enumerate(ids):
        assert f"事業者ID {ccus_id}" in reader.pages[2 * number + 1].extract_text()
        assert f"事業者ID：{ccus_id}" in reader.pages[2 * number + 1].extract_text()
    parts = [reader.pages[start : start + 4] for start in range(0, 10, 4)]  # 2 cards, 4 pages per part
    embedded = [{file for page in part for file in font_files(page).values()} for part in parts]
    for part, files in zip(parts, embedded, strict=True):
        names = {name for page in part for name in font_files(page)}
        assert len(files) == len(names), "a font subset embedded twice within one part"
    assert sum(len(files) for files in embedded) == len(set().union(*embedded)), "parts share no font objects"
    assert all(page.mediabox.width == reader.pages[0].mediabox.width for page in reader.pages)


def test_each_notice_stores_the_text_printed_for_it(postcard_policy):
    (business,) = queued_postcards({"name": "株式会社髙橋工務店"})
    build()
    notice = Notice.objects.get(business=business)
    assert notice.status == "printing"
    assert notice.subject == "件名"  # the test policy's template
    assert notice.body.startswith("株式会社髙橋工務店\n") and f"事業者ID：{business.ccus_id}" in notice.body
    assert notice.recipient == "〒100-0001 東京都千代田区千代田1-1 株式会社髙橋工務店　御中"


def test_markup_in_a_name_is_printed_as_written(postcard_policy):
    queued_postcards({"name": "<b>株式会社</b>&amp;工務店"})
    assert "<b>株式会社</b>&amp;工務店" in "".join(pdf_of(build()).pages[0].extract_text().split())


def test_the_csvs_open_as_cp932_and_utf8_and_name_what_cp932_cannot_hold(postcard_policy):
    plain, unusual = queued_postcards({"name": "株式会社髙橋工務店"}, {"name": "株式会社𠮷野建設"})
    batch = build()
    cp932 = csv_rows(batch.csv_cp932.name, "cp932")
    assert cp932[0] == [
        "連番", "事業者ID", "郵便番号", "住所", "宛名", "件名", "本文", "差出人", "料金表示", "CP932で表せない文字"
    ]  # fmt: skip
    by_id = {row[1]: row for row in cp932[1:]}
    assert by_id[plain.ccus_id][4] == "株式会社髙橋工務店　御中"
    assert by_id[plain.ccus_id][2] == "100-0001" and by_id[plain.ccus_id][9] == ""
    assert by_id[unusual.ccus_id][4] == "株式会社〓野建設　御中"
    assert by_id[unusual.ccus_id][9] == "宛名:U+20BB7 本文:U+20BB7"  # the test template's body is the name
    utf8 = {row[1]: row for row in csv_rows(batch.csv_utf8.name, "utf-8-sig")[1:]}
    assert utf8[unusual.ccus_id][4] == "株式会社𠮷野建設　御中"
    assert batch.char_problems == [
        {"row": 2, "ccus_id": unusual.ccus_id, "field": field, "cp932": "𠮷", "font": "𠮷"}
        for field in ("宛名", "本文")
    ]


def test_unprintable_addresses_are_left_out_with_the_reason_and_fall_back_to_phone(postcard_policy):
    good, no_code, unknown, elsewhere, returned = queued_postcards(
        {},
        {"postal_code": "1000001"},
        {"postal_code": "0000000"},
        {"postal_code": "0600000"},  # Sapporo, for a business in Tokyo
        {},
    )
    type(no_code).objects.filter(pk=no_code.pk).update(postal_code="")
    type(returned).objects.filter(pk=returned.pk).update(address_undeliverable_since=D(2026, 10, 1))
    batch = build()
    assert (batch.total, batch.excluded) == (1, 4)
    assert len(pdf_of(batch).pages) == 2
    reasons = dict(batch.exclusions.values_list("notice__business_id", "reason"))
    assert reasons == {
        no_code.pk: "no_postal_code",
        unknown.pk: "postal_unknown",
        elsewhere.pk: "postal_elsewhere",
        returned.pk: "undeliverable",
    }
    rerouted = Notice.objects.filter(business__in=[no_code, unknown, elsewhere, returned])
    assert {(n.channel, n.status, n.batch_id) for n in rerouted} == {("phone", "queued", None)}
    assert Notice.objects.get(business=unknown).fallback_reason == "postal_unknown"
    assert Notice.objects.get(business=good).batch == batch


def test_marking_posted_sends_the_notices_on_the_posting_date(postcard_policy):
    queued_postcards({}, {})
    batch = build()
    assert postcard_services.postcard_batch_mark_posted(batch=batch, posted_on=D(2026, 11, 4)) == 2
    batch.refresh_from_db()
    assert (batch.status, batch.posted_on) == ("posted", D(2026, 11, 4))
    sent = Notice.objects.filter(batch=batch)
    assert {n.status for n in sent} == {"sent"}
    assert {n.sent_at.astimezone(datetime.timezone(datetime.timedelta(hours=9))).date() for n in sent} == {
        D(2026, 11, 4)
    }
    with pytest.raises(services.OutreachError):
        postcard_services.postcard_batch_cancel(batch=batch)


def test_a_cancelled_batch_returns_its_notices_to_the_queue_for_the_next_one(postcard_policy):
    queued_postcards({}, {})
    first = build()
    assert postcard_services.postcard_batch_cancel(batch=first) == 2
    first.refresh_from_db()
    assert first.status == "cancelled"
    assert set(Notice.objects.values_list("status", "batch")) == {("queued", None)}
    with pytest.raises(services.OutreachError):
        postcard_services.postcard_batch_mark_posted(batch=first, posted_on=D(2026, 11, 4))
    second = build()
    assert second.total == 2 and Notice.objects.filter(batch=second).count() == 2


def test_a_batch_takes_only_postcards_scheduled_up_to_its_date(postcard_policy):
    queued_postcards({})
    with pytest.raises(services.OutreachError, match="印刷を待つはがきはありません"):
        postcard_services.postcard_batch_start(for_date=TODAY - datetime.timedelta(days=1))
    assert not PostcardBatch.objects.exists()


def test_a_failed_build_puts_the_notices_back_in_the_queue(postcard_policy, monkeypatch):
    queued_postcards({})
    batch = postcard_services.postcard_batch_start(for_date=TODAY)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("outreach.postcards.printing.write_files", broken)
    with pytest.raises(OSError):
        postcard_services.postcard_batch_build(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.error) == ("failed", "OSError: disk full")
    assert Notice.objects.get().status == "queued"


def test_the_command_prints_the_pdf_path_last(postcard_policy, capsys):
    queued_postcards({}, {"postal_code": "0000000"})
    call_command("build_postcard_batch", "--date", TODAY.isoformat())
    lines = capsys.readouterr().out.strip().splitlines()
    batch = PostcardBatch.objects.get()
    assert lines[-1] == default_storage.path(batch.pdf.name)
    assert lines[-1].endswith(".pdf") and len(PdfReader(lines[-1]).pages) == 2
    assert any("郵便番号が日本郵便のデータにない 1" in line for line in lines)


def test_the_command_says_when_nothing_waits(postcard_policy, capsys):
    call_command("build_postcard_batch", "--date", TODAY.isoformat())
    assert "印刷を待つはがきはありません" in capsys.readouterr().out
    assert not PostcardBatch.objects.exists()


def test_the_weekly_schedule_builds_a_batch():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="outreach.tasks.weekly_postcard_batch_task")
    assert task.enabled and task.crontab.day_of_week == "1"


def customer_barcodes(page) -> list[tuple[float, float, list[tuple[float, ...]]]]:
    """(left, bottom, bars) of each customer barcode: rectangles drawn in 0.6 mm units after a translation."""
    content = page.get_contents().get_data().decode("latin-1")
    found = []
    for scale, left, bottom, rects in re.findall(
        r"([\d.]+) 0 0 \1 ([\d.]+) ([\d.]+) cm\s+((?:n [\d. ]+ re f\*\s+)+)", content
    ):
        if abs(float(scale) - 0.6 * MM) > 0.001:
            continue  # another drawing (the Code 128 of the 事業者ID is drawn after a translation too)
        bars = [tuple(map(float, rect.split())) for rect in re.findall(r"n ([\d. ]+) re", rects)]
        found.append((float(left), float(bottom), bars))
    return found


def test_the_address_side_carries_the_customer_barcode_below_the_name(postcard_policy):
    chiba = Prefecture.objects.get(code="12")
    queued_postcards(
        # A name of its own: the factory's numbered names grow with every business a test run makes.
        {
            "prefecture": chiba,
            "postal_code": "2630023",
            "address": "千葉市稲毛区緑町3丁目30-8 郵便ビル403号",
            "name": "株式会社千葉建設",
        },
        {"postal_code": "1000013", "address": "千代田区霞が関1丁目3番2号 ABCビル"},
    )
    reader = pdf_of(build())
    with_letters, chiba_card = reader.pages[0], reader.pages[2]  # sorted by postal code
    assert customer_barcodes(with_letters) == []
    ((left, bottom, bars),) = customer_barcodes(chiba_card)
    # In 0.6 mm units: long bars 0–6 (3.6 mm), semi-long 2–6 or 0–4, timing 2–4; 1.2 mm pitch.
    extents = {"F": (0, 6), "A": (2, 6), "D": (0, 4), "T": (2, 4)}
    expected = [
        (2 * number, extents[bar][0], 1, extents[bar][1] - extents[bar][0])
        for number, bar in enumerate(customer_barcode.bars("26300233-30-8-403"))
    ]
    assert bars == expected and len(bars) == 67
    assert left >= 10 * MM and left + 133 * 0.6 * MM <= 90 * MM  # 10 mm from the card's edges
    name_baseline = next(y for y in baselines(chiba_card, "御中"))
    assert name_baseline - 6 * MM < bottom + 3.6 * MM < name_baseline  # directly below the name


def baselines(page, text: str) -> list[float]:
    """Baselines (points from the bottom) of the text runs on a page that contain `text`."""
    found = []

    def visit(run, cm, tm, font, size):
        if text in run:
            found.append(tm[5] * cm[3] + cm[5])

    page.extract_text(visitor_text=visit)
    return found
