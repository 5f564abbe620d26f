"""The quarterly committee report: the command, the admin, the XLSX and PDF opened back."""

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from ccus import roles
from outreach.models import CommitteeReport
from outreach.reports import committee, snapshots
from outreach.reports.tests import dashboard_data
from outreach.tests.factories import business_expiring
from registrations.tests.factories import staff_user
from renewals import fiscal

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 27, 3, tzinfo=datetime.UTC)
D = datetime.date


@pytest.fixture
def register(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return dashboard_data.build()


@time_machine.travel(NOW)
def test_command_writes_the_quarter_as_xlsx_and_pdf_and_prints_their_paths(register):
    out = io.StringIO()

    call_command("committee_report", "--quarter", "2026Q3", stdout=out)

    xlsx_path, pdf_path = out.getvalue().strip().splitlines()[-2:]
    assert xlsx_path.endswith(".xlsx") and pdf_path.endswith(".pdf")
    workbook = openpyxl.load_workbook(xlsx_path)
    summary = workbook["登録と収入"]
    rows = list(summary.iter_rows(min_row=5, values_only=True))
    # Q3 (Oct–Dec 2026) to the 27th: I applied (D is 一人親方, not counted); FY to date: A, C, I.
    assert rows[0][1:4] == (1, 3, 32_000)
    assert rows[1][1:4] == (0, 1, 15_000)
    assert rows[2][1:4] == (24_000, 78_000, 898_215_000)
    assert "FY2025" in summary["A1"].value
    expiries = list(workbook["期限到来と結果"].iter_rows(min_row=5, values_only=True))
    assert [row[0] for row in expiries] == ["2026-10", "2026-11", "2026-12"]
    assert expiries[0][-1] == 1 and expiries[2][4] == 1  # D renewed in October; E's window open in December
    pdf = Path(pdf_path).read_bytes()
    assert pdf.startswith(b"%PDF") and b"FontFile2" in pdf and b"IPAexGothic" in pdf and b"Helvetica" not in pdf
    report = CommitteeReport.objects.get()
    assert report.status == CommitteeReport.Status.DONE and report.quarter == "2026Q3"


def test_a_bad_quarter_is_refused_with_a_message_and_writes_nothing():
    with pytest.raises(CommandError, match="2026Q5"):
        call_command("committee_report", "--quarter", "2026Q5")
    assert not CommitteeReport.objects.exists()


def test_a_bad_quarter_exits_non_zero_from_the_shell():
    env = {**os.environ, "DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run(
        [sys.executable, "manage.py", "committee_report", "--quarter", "26Q3"],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
        check=False,
    )
    assert result.returncode != 0
    assert "26Q3" in result.stderr and "2026Q3" in result.stderr


@time_machine.travel(NOW)
def test_supervisor_orders_a_report_in_the_admin_and_downloads_it(client, register, django_capture_on_commit_callbacks):
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/outreach/committeereport/add/", {"quarter": "2026q3"})
    bad = client.post("/admin/outreach/committeereport/add/", {"quarter": "2026-10"})

    assert response.status_code == 302
    report = CommitteeReport.objects.get()
    assert report.status == CommitteeReport.Status.DONE
    pdf = client.get(f"/admin/outreach/committeereport/{report.pk}/download/pdf/")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert bad.status_code == 200 and CommitteeReport.objects.count() == 1


def pdf_fonts(pdf: bytes) -> dict[str, bool]:
    """Every font the PDF's pages and their forms use, and whether its file is embedded."""
    fonts = {}

    def walk(resources):
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for part in descendants:
                descriptor = part.get_object().get("/FontDescriptor")
                embedded = descriptor is not None and any(
                    key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                fonts[str(font["/BaseFont"])] = embedded
        for xobject in (resources.get("/XObject") or {}).values():
            inner = xobject.get_object().get("/Resources")
            if inner is not None:
                walk(inner.get_object())

    for page in PdfReader(io.BytesIO(pdf)).pages:
        walk(page["/Resources"].get_object())
    return fonts


@time_machine.travel(NOW)
def test_the_workbook_has_typed_cells_frozen_headers_and_sheets_named_after_their_content(register):
    data = committee.report_data(fiscal.parse_quarter("2026Q3"), today=dashboard_data.TODAY)
    workbook = openpyxl.load_workbook(io.BytesIO(committee.committee_xlsx(data)))
    assert workbook.sheetnames == [
        "登録と収入", "期限到来と結果", "月別の失効", "手段別の督促", "重点分野の更新率", "都道府県別の更新率",
    ]  # fmt: skip
    for sheet in workbook:
        assert sheet.freeze_panes == "A5" and sheet.auto_filter.ref.startswith("A4:"), sheet.title
        assert sheet["B2"].is_date and sheet["B2"].value.date() == dashboard_data.TODAY
        assert all(sheet.column_dimensions[letter].width >= 8 for letter in "AB")
    summary = workbook["登録と収入"]
    fees, achieved = summary["C7"], summary["E5"]
    assert (fees.value, fees.data_type, fees.number_format) == (78_000, "n", '"¥"#,##0')
    assert achieved.data_type == "n" and achieved.number_format == "0.0%"
    assert achieved.value == pytest.approx(3 / 32_000)
    assert summary["B5"].number_format == "#,##0"
    assert summary.column_dimensions["A"].width >= 2 * len("更新申請数（一人親方を除く）")
    focus = list(workbook["重点分野の更新率"].iter_rows(min_row=5, values_only=True))
    # Observed: A and B (管, ¥10M) one applied; C (大工, ¥3M) applied; D (一人親方) applied.
    assert focus == [
        ("業種グループ「住宅」", 1, 1, 1.0),
        ("業種グループ「設備」", 2, 1, 0.5),
        ("資本金1,000万〜5,000万円未満", 2, 1, 0.5),
        ("全事業者", 4, 3, 0.75),
    ]
    rates = workbook["都道府県別の更新率"]
    assert {row[0]: row[3] for row in rates.iter_rows(min_row=5, values_only=True)} == {"東京都": 0.5, "大阪府": 1.0}
    assert rates["D5"].number_format == "0.0%"


@time_machine.travel(NOW)
def test_the_pdf_embeds_every_font_it_uses_and_numbers_its_pages(register):
    data = committee.report_data(fiscal.parse_quarter("2026Q3"), today=dashboard_data.TODAY)
    pdf = committee.committee_pdf(data)
    fonts = pdf_fonts(pdf)
    assert fonts and all(fonts.values()), fonts
    assert all("IPAexGothic" in name for name in fonts)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert all(text.strip() for text in pages)  # no empty page
    for number, text in enumerate(pages, start=1):
        assert f"{number} / {len(pages)} ページ" in text
    text = "".join("".join(page.split()) for page in pages)
    assert "¥78,000" in text and "¥898,215,000" in text and "32,000" in text
    assert "75.0%" in text and "業種グループ「設備」" in text and "資本金1,000万〜5,000万円未満" in text
    for legend in ("更新済", "申請処理中", "失効", "更新申請受付期間", "送信済", "到達", "申請"):
        assert legend in text


def dashboard_cells(client, row_id: str) -> list[str]:
    page = client.get("/admin/outreach/dashboard/").content.decode()
    row = page[page.index(f'id="{row_id}"') :].split("</tr>", 1)[0]
    return [cell.split(">", 1)[1] for cell in row.split("</td>")[:-1]]


@time_machine.travel(NOW)
def test_the_report_and_the_dashboard_give_the_same_numbers_for_the_same_day(client, register):
    # A registration dated after today inside the quarter (an import's date, or the demo's once):
    # the report's year to date used to run to the quarter's end and count it, the dashboard not.
    business_expiring(D(2031, 12, 31), registered_on=D(2026, 12, 1))
    client.force_login(staff_user(roles.SUPERVISOR, "boss"))
    report = CommitteeReport.objects.create(quarter="2026Q3")
    committee.committee_report_build(report=report, today=dashboard_data.TODAY)

    summary = openpyxl.load_workbook(report.xlsx.path)["登録と収入"]
    renewals, registrations, fees = (summary.cell(line, 3).value for line in (5, 6, 7))
    assert (renewals, registrations, fees) == (3, 1, 78_000)
    assert dashboard_cells(client, "target-registrations")[1] == f"{registrations:,}"
    assert dashboard_cells(client, "target-income")[1] == f"¥{fees:,}"
    shown = snapshots.dashboard_from(snapshots.latest())["progress"]
    assert (shown["renewals"]["count"], shown["registrations"]["count"], shown["income"]) == (3, 1, 78_000)
