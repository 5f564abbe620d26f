"""A name full of markup and formulas, followed everywhere it is written, each file opened back.

Admin pages escape it; PDFs draw it as written; CSV and XLSX cells cannot run it as a
formula; the plain-text e-mail carries it as written (notices have no HTML part).
Business exports and subcontractor lists have their own such tests (registrations/tests/
test_export.py, outreach/tests/test_subcontractor_lists.py); postcard PDFs too.
"""

import csv
import datetime
import io

import openpyxl
import pytest
import time_machine
from django.core import mail
from django.core.files.storage import default_storage
from django.urls import reverse
from pypdf import PdfReader

from outreach import outbox, scan
from outreach.models import Notice, NoticeTemplate
from outreach.postcards import services as postcard_services
from outreach.reports import committee
from outreach.tests.factories import business_expiring, policy_with_steps
from renewals import fiscal

pytestmark = pytest.mark.django_db
D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))
NAME = '=HYPERLINK("http://evil.example","x")<script>alert("x")</script><b>株式会社</b>&amp;'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;株式会社&lt;/b&gt;&amp;amp;"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def business():
    return business_expiring(D(2027, 1, 31), name=NAME, email="evil@example.jp")


def test_admin_pages_show_the_name_escaped(admin_client, business):
    policy_with_steps(("phone", 90, 0))
    scan.run_scan(today=D(2026, 11, 2))
    pages = [
        reverse("admin:registrations_business_changelist") + f"?q={business.ccus_id}",
        reverse("admin:registrations_business_change", args=[business.pk]),
        reverse("admin:registrations_business_history", args=[business.pk]),
        reverse("admin:outreach_notice_changelist"),
        reverse("admin:outreach_notice_change", args=[Notice.objects.get().pk]),
        reverse("admin:outreach_calltask_changelist"),
        reverse("admin:renewals_term_changelist"),
    ]
    for url in pages:
        response = admin_client.get(url)
        page = response.content.decode()
        assert response.status_code == 200, url
        assert "<script>alert" not in page and "<b>株式会社</b>" not in page, url
        assert ESCAPED in page, url


def test_postcard_csvs_neutralise_the_formula_and_keep_the_markup_as_text(business):
    policy_with_steps(("postcard", 90, 0))
    scan.run_scan(today=D(2026, 11, 2))
    batch = postcard_services.postcard_batch_build(
        batch_id=postcard_services.postcard_batch_start(for_date=D(2026, 11, 2)).pk
    )
    for name, encoding in ((batch.csv_utf8.name, "utf-8-sig"), (batch.csv_cp932.name, "cp932")):
        with default_storage.open(name, "rb") as handle:
            header, row, *_rest = csv.reader(io.StringIO(handle.read().decode(encoding), newline=""))
        addressee = row[header.index("宛名")]
        assert addressee.startswith("'" + NAME), addressee
        body = row[header.index("本文")]
        assert body.startswith("'" + NAME), body  # the test template's body is the name


def test_the_committee_report_draws_text_as_written_and_writes_no_formula():
    data = committee.report_data(fiscal.parse_quarter("2026Q3"), today=D(2026, 12, 31))
    data["rates"] = [{"labels": [NAME], "terms": 3, "renewed": 1, "rate": 1 / 3}]
    text = "".join(
        "".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(committee.committee_pdf(data))).pages
    )
    assert "".join(NAME.split()) in text

    workbook = openpyxl.load_workbook(io.BytesIO(committee.committee_xlsx(data)))
    # Neutralised like every workbook and CSV the office writes: a leading quote, text, never a formula.
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value == "'" + NAME]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_the_email_carries_the_name_as_written_in_plain_text_only(business):
    policy_with_steps(("email", 90, 0))
    template = NoticeTemplate.objects.get(name="test email")
    template.subject = "{{ business_name }} 様"
    template.save()
    with time_machine.travel(datetime.datetime(2026, 11, 2, 7, 0, tzinfo=JST)):
        scan.run_scan(today=D(2026, 11, 2))
    notice = Notice.objects.get(business=business)
    with time_machine.travel(datetime.datetime(2026, 11, 4, 10, 0, tzinfo=JST), tick=False):
        assert outbox.send_email_task.delay(notice.pk).get() == "sent"
    (message,) = mail.outbox
    assert message.subject == f"{NAME} 様"
    assert message.body.startswith(f"{NAME} 御中\n") and f"\n{NAME}\n" in message.body
    assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
    assert "&lt;" not in message.body
