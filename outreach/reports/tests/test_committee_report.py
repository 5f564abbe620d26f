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

from ccus import roles
from outreach.models import CommitteeReport
from outreach.reports.tests import dashboard_data
from registrations.tests.factories import staff_user

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 27, 3, tzinfo=datetime.UTC)


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
    summary = openpyxl.load_workbook(xlsx_path)["1"]
    rows = list(summary.iter_rows(min_row=3, values_only=True))
    # Q3 (Oct–Dec 2026): I applied (D is 一人親方, not counted); FY to date: A, C, I.
    assert rows[0][1:4] == (1, 3, 32_000)
    assert rows[1][1:4] == (0, 1, 15_000)
    assert rows[2][1:4] == (24_000, 78_000, 898_215_000)
    assert "FY2025" in summary["A1"].value
    expiries = list(openpyxl.load_workbook(xlsx_path)["2"].iter_rows(min_row=3, values_only=True))
    assert [row[0] for row in expiries] == ["2026-10", "2026-11", "2026-12"]
    assert expiries[0][-1] == 1 and expiries[2][4] == 1  # D renewed in October; E's window open in December
    pdf = Path(pdf_path).read_bytes()
    assert pdf.startswith(b"%PDF") and b"FontFile2" in pdf and b"IPAexGothic" in pdf
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
