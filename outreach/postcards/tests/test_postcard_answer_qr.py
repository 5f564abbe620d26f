"""The postcard's QR code: drawn as vectors on the message side, read back from the printed PDF
(rasterised by pdftoppm, decoded by zxing-cpp) to the answer page's address, which takes an answer."""

import datetime
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import time_machine
import zxingcpp
from django.core.management import call_command
from PIL import Image
from pypdf import PdfReader

from conftest import require
from outreach import scan
from outreach.models import Answer, Notice
from outreach.postcards.pdf import ANSWER_URL_WIDTH, FREE_REGION, PAGE_HEIGHT, PAGE_WIDTH
from outreach.tests.factories import business_expiring, policy_with_steps

pytestmark = pytest.mark.django_db
JST = datetime.timezone(datetime.timedelta(hours=9))
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)
MM = 72 / 25.4


@pytest.fixture
def sample_pdf(tmp_path, settings):
    require(shutil.which("pdftoppm") is not None, "needs pdftoppm (apt-get install poppler-utils)")
    settings.ANSWER_PAGE_BASE_URL = "https://ccus-desk.example.jp"
    policy_with_steps(("postcard", 120, 100))
    business = business_expiring(datetime.date(2027, 3, 31), name="株式会社QR建設")
    with time_machine.travel(NOW, tick=False):
        scan.run_scan(today=NOW.date())
        call_command("postcard_sample", str(tmp_path / "sample.pdf"))
    return tmp_path / "sample.pdf", Notice.objects.get(business=business, channel="postcard")


def _decoded(pdf, tmp_path) -> list[str]:
    """The QR codes found on the message side (page 2) printed at 300 dpi."""
    subprocess.run(
        ["pdftoppm", "-r", "300", "-f", "2", "-l", "2", "-png", str(pdf), str(tmp_path / "card")], check=True
    )
    (png,) = tmp_path.glob("card-*.png")
    return [
        found.text for found in zxingcpp.read_barcodes(Image.open(png)) if found.format == zxingcpp.BarcodeFormat.QRCode
    ]


def test_the_qr_code_is_vector_and_sits_in_the_free_square_with_its_address_below(sample_pdf):
    pdf, _notice = sample_pdf
    message_side = PdfReader(pdf).pages[1]
    assert not message_side.images  # drawn as rectangles, not a picture
    spots = []
    message_side.extract_text(visitor_text=lambda text, cm, tm, font, size: spots.append((tm[4], tm[5], text)))
    url_lines = [
        (x, y, text) for x, y, text in spots if text.startswith("https://") or "/a/" in text or text.endswith("/")
    ]
    printed = "".join(text.strip() for _x, _y, text in sorted(url_lines, key=lambda spot: -spot[1]))
    assert printed.startswith("https://ccus-desk.example.jp/a/")
    _left, top, _width, height = FREE_REGION
    for x, y, _text in url_lines:
        assert PAGE_HEIGHT - y > top + 0.5 * height  # below the code
        assert x >= PAGE_WIDTH - 10 * MM - ANSWER_URL_WIDTH - 1  # within the room given to it


def test_the_printed_qr_code_opens_a_page_that_takes_an_answer(sample_pdf, tmp_path, client):
    pdf, notice = sample_pdf
    (url,) = _decoded(pdf, tmp_path)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", "ccus-desk.example.jp")
    with time_machine.travel(NOW + datetime.timedelta(days=2), tick=False):
        page = client.get(parts.path)
        assert page.status_code == 200 and "株式会社QR建設" in page.content.decode()
        answered = client.post(parts.path, {"kind": "will_apply", "apply_by": "2027-01-20"})
    assert answered.status_code == 302
    answer = Answer.objects.get()
    assert (answer.notice, answer.kind) == (notice, Answer.Kind.WILL_APPLY)
