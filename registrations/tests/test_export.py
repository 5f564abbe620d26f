"""Exports: streamed UTF-8 CSV, CP932 and XLSX as jobs, formulas neutralised, files opened back."""

import csv
import io
import json
from pathlib import Path

import openpyxl
import psycopg
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ccus import roles
from ccus.importing import run_import
from ccus.tabular import open_table
from registrations import export_files, export_sql
from registrations.export_files import HEADERS, business_rows, export_csv_stream
from registrations.imports import BusinessRows
from registrations.models import Business, ExportJob, Trade
from registrations.tests.factories import AssociationFactory, BusinessFactory, MembershipFactory, staff_user

pytestmark = pytest.mark.django_db
EXPORT = "/admin/registrations/business/export/"


@pytest.fixture
def desk(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(staff_user(roles.DESK, "desk1"))
    return client


@pytest.fixture
def register():
    tokyo = BusinessFactory(
        ccus_id="20000000000001", name='=HYPERLINK("http://evil")', corporate_number="5835678256246"
    )
    tokyo.trades.set(Trade.objects.filter(code__in=["05", "08"]))
    MembershipFactory(business=tokyo, association=AssociationFactory(code="ZENKEN"))
    BusinessFactory(
        ccus_id="20000000000002", name="𠮷野建設", postal_code="0600001", prefecture_id="01", address="札幌市"
    )
    return tokyo


@pytest.fixture
def export(desk, django_capture_on_commit_callbacks):
    """GET an export URL, running the task enqueued after commit (eager without a broker)."""

    def get(url, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return desk.get(EXPORT + url, **kwargs)

    return get


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_small_utf8_export_streams_with_a_bom_and_neutralised_formulas(export, register):
    response = export("csv/")
    data = streamed(response)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    first = dict(zip(HEADERS, rows[1], strict=True))
    assert first["商号"] == '\'=HYPERLINK("http://evil")'
    assert (first["業種"], first["所属団体"], first["郵便番号"]) == (
        "とび・土工・コンクリート・電気",
        "ZENKEN",
        "100-0001",
    )
    assert rows[2][2] == "𠮷野建設"


def test_the_export_follows_the_changelist_filters(export, register):
    rows = list(csv.reader(io.StringIO(streamed(export("csv/?prefecture__code__exact=01")).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["20000000000002"]


def test_a_cp932_export_is_a_job_reporting_characters_it_cannot_hold(export, desk, register):
    response = export("csv_cp932/")
    job = ExportJob.objects.get()
    assert response.url == f"/admin/registrations/exportjob/{job.pk}/change/"
    assert (job.status, job.written, job.progress()) == (ExportJob.Status.DONE, 2, 100)
    assert job.problems == "3行目 商号: 𠮷 (U+20BB7) は〓として出力しました"
    page = desk.get(response.url).content.decode()
    assert "100% (2 / 2)" in page and "〓として出力しました" in page

    download = desk.get(f"/admin/registrations/exportjob/{job.pk}/download/")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("cp932"))))
    assert rows[0] == HEADERS
    assert rows[2][2] == "〓野建設"


def test_a_job_stores_the_lists_filters_as_json_and_writes_the_rows_the_list_shows(
    desk, register, django_capture_on_commit_callbacks
):
    BusinessFactory(ccus_id="20000000000003", name="北海道工業", prefecture_id="01", address="函館市")
    query = "?prefecture__code__exact=01&q=" + "北海道"
    shown = desk.get("/admin/registrations/business/" + query).context["cl"].queryset
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        desk.get(EXPORT + "csv_cp932/" + query)
    job = ExportJob.objects.get()
    with connection.cursor() as cursor:  # what the database holds: plain JSON, no pickled object
        cursor.execute("SELECT params FROM registrations_exportjob WHERE id = %s", [job.pk])
        stored = cursor.fetchone()[0]
    assert (json.loads(stored) if isinstance(stored, str) else stored) == {
        "prefecture__code__exact": ["01"],
        "q": ["北海道"],
    }
    [write] = enqueued
    write()  # the worker, later
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("cp932"))))
    assert [row[0] for row in rows[1:]] == list(shown.values_list("ccus_id", flat=True)) == ["20000000000003"]


def test_a_job_whose_filters_the_list_no_longer_accepts_fails_with_a_message(desk, register):
    job = ExportJob.objects.create(
        created_by=staff_user(roles.DESK, "desk2"),
        format=ExportJob.Format.CSV_UTF8,
        params={"email__startswith": ["a"]},  # no filter of the list offers it
        total=1,
    )
    export_files.export_write(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and not job.file
    assert "email__startswith" in job.error


def test_an_xlsx_export_opens_back_with_text_cells(export, register):
    export("xlsx/")
    job = ExportJob.objects.get()
    sheet = openpyxl.load_workbook(job.file.path, read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADERS
    assert rows[1][0] == "20000000000001"  # text: Excel will not turn it into 2E+13
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'


def test_a_large_utf8_export_becomes_a_job(export, register, settings):
    settings.EXPORT_STREAM_MAX_ROWS = 1
    response = export("csv/")
    job = ExportJob.objects.get()
    assert response.url == f"/admin/registrations/exportjob/{job.pk}/change/"
    assert Path(job.file.path).read_bytes().startswith(b"\xef\xbb\xbf")


def test_an_exported_file_imports_back_unchanged(export, register):
    export("xlsx/")
    register.name = "株式会社普通の名前"  # a neutralised formula would come back with its quote
    register.save()
    export("csv_cp932/?prefecture__code__exact=13")
    job = ExportJob.objects.order_by("-pk").first()
    with job.file.open("rb") as stream, open_table(stream) as table:
        outcome = run_import(BusinessRows(), table, dry_run=False)
    assert (outcome.ok, outcome.counts["unchanged"]) == (True, 1)


def test_someone_else_cannot_download_my_export(export, register, client):
    export("xlsx/")
    job = ExportJob.objects.get()
    client.force_login(staff_user(roles.DESK, "desk2"))
    assert client.get(f"/admin/registrations/exportjob/{job.pk}/download/").status_code == 404


def test_an_operator_sees_no_export_and_cannot_export(client, register):
    client.force_login(staff_user(roles.OPERATOR))
    assert "/export/" not in client.get("/admin/registrations/business/").content.decode()
    assert client.get(EXPORT + "csv/").status_code == 403


def test_on_postgresql_the_job_writes_the_very_bytes_of_the_python_rows(export, register, postgres, settings):
    """The cells computed in SQL (registrations/export_sql.py) match business_rows, cell for cell."""
    odd = BusinessFactory(
        ccus_id="20000000000003",
        name="-1+1",
        name_kana="@SUM(A1)",
        representative="\t代表",
        capital=None,
        is_sole_proprietor=True,
        entity_type="individual",
        address='港区 "芝" 1,2\n3階',
        phone="+81-3-0000-0000",
        email="",
        permit_number="",
    )
    odd.trades.set(Trade.objects.filter(code__in=["29", "01", "13"]))
    for code in ["ZZ", "AA", "MM"]:
        MembershipFactory(business=odd, association=AssociationFactory(code=code))
    settings.EXPORT_STREAM_MAX_ROWS = 1
    export("csv/")
    job = ExportJob.objects.get()
    expected = b"".join(export_csv_stream(queryset=Business.objects.all()))
    assert Path(job.file.path).read_bytes() == expected
    assert job.written == 3


def test_on_postgresql_the_sql_cells_keep_the_querysets_order_and_filters(register, postgres):
    for n in range(3, 8):
        BusinessFactory(ccus_id=f"2000000000000{n}", name=f"+{n}")
    picked = Business.objects.exclude(ccus_id="20000000000005").order_by("-ccus_id")
    from_sql = [list(row) for chunk in export_sql.csv_chunks(picked, 2) for row in chunk]
    assert [[cell or "" for cell in row] for row in from_sql] == list(business_rows(picked))
    assert [row[0] for row in from_sql][:2] == ["20000000000007", "20000000000006"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_an_export_commits_its_progress_as_it_writes(postgres, settings, tmp_path, monkeypatch):
    """Another connection (the admin's progress page) sees the count grow chunk by chunk."""
    settings.MEDIA_ROOT = tmp_path
    for n in range(3):
        BusinessFactory(ccus_id=f"3000000000000{n}")
    monkeypatch.setattr(export_files, "EXPORT_CHUNK", 1)
    seen = []
    chunks = export_sql.csv_chunks

    def watched(queryset, size):
        with psycopg.connect(**connection.get_connection_params()) as other:
            for chunk in chunks(queryset, size):
                seen.append(other.execute("SELECT written FROM registrations_exportjob").fetchone()[0])
                yield chunk

    monkeypatch.setattr(export_sql, "csv_chunks", watched)
    job = ExportJob.objects.create(
        created_by=staff_user(roles.DESK, "desk1"), format=ExportJob.Format.CSV_UTF8, params={}, total=3
    )
    export_files.export_write(job_id=job.pk)
    assert seen == [0, 1, 2]
    job.refresh_from_db()
    assert (job.status, job.written) == (ExportJob.Status.DONE, 3)


@pytest.mark.parametrize("name", ["=1+1 建設", "+81 工務店", "-2 組", "@SUM(A1) 興業", "'=A1 商会", "'通常 商店"])
def test_an_export_imported_back_exports_the_very_same_bytes(register, name):
    """The quote that neutralises a formula is taken off on import: it does not grow each round trip."""
    register.name = name
    register.save()
    queryset = Business.objects.filter(pk=register.pk)
    first = b"".join(export_csv_stream(queryset=queryset))
    for _round in range(2):
        with open_table(io.BytesIO(b"".join(export_csv_stream(queryset=queryset)))) as table:
            outcome = run_import(BusinessRows(), table, dry_run=False)
        assert outcome.ok, outcome.errors
    register.refresh_from_db()
    assert register.name == name
    assert b"".join(export_csv_stream(queryset=queryset)) == first


def test_an_xlsx_export_imported_back_keeps_a_formula_like_name(export, register):
    export("xlsx/")
    job = ExportJob.objects.get()
    with job.file.open("rb") as stream, open_table(stream) as table:
        outcome = run_import(BusinessRows(), table, dry_run=False)
    assert outcome.ok, outcome.errors
    assert Business.objects.get(pk=register.pk).name == '=HYPERLINK("http://evil")'


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_upgrade_fails_jobs_still_waiting_with_a_pickled_query_and_never_unpickles_them():
    before, after = [("registrations", "0012_dates_not_in_future")], [("registrations", "0013_exportjob_params")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("registrations", "ExportJob")
    waiting = old.objects.create(format="csv", query=b"\x80\x04not a query of this version", total=1)
    done = old.objects.create(format="csv", query=b"", status="done", total=1, written=1)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert ExportJob.objects.get(pk=waiting.pk).status == ExportJob.Status.FAILED
    assert "export again" in ExportJob.objects.get(pk=waiting.pk).error
    assert (ExportJob.objects.get(pk=done.pk).status, ExportJob.objects.get(pk=done.pk).params) == ("done", {})
    # Back to the newest state: stepping back also unapplied later migrations that depend on these.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
