"""The import_* commands: summary and exit 0, or every row error on stderr and non-zero."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registrations.models import Association, Business, Membership, SubcontractLink
from registrations.tests.factories import AssociationFactory, BusinessFactory, LinkFactory
from registrations.tests.files import business_row, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(command, path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command(command, str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_import_businesses_prints_a_japanese_summary(tmp_path):
    path = write(tmp_path, "register.csv", csv_bytes([business_row()]))
    out, err = run("import_businesses", path)
    assert out.startswith("businesses: 1行: 新規 1件、更新 0件、変更なし 0件")
    assert err == ""
    out, _err = run("import_businesses", path)
    assert "新規 0件、更新 0件、変更なし 1件" in out


def test_import_businesses_dry_run_writes_nothing(tmp_path):
    out, _err = run("import_businesses", write(tmp_path, "r.csv", csv_bytes([business_row()])), "--dry-run")
    assert "新規 1件" in out and "確認のみ" in out
    assert not Business.objects.exists()


def test_import_businesses_with_bad_rows_exits_1_with_every_error_on_stderr(tmp_path):
    rows = [
        business_row(),
        business_row(事業者ID="5.1E+13", 都道府県="東都"),
        business_row(事業者ID="12345678901235", 登録日="2021/2/30"),
    ]
    path = write(tmp_path, "bad.csv", csv_bytes(rows))
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_businesses", str(path), stdout=io.StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert "2行に3件のエラーがあります。何も取り込んでいません" in str(raised.value)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("3行目 事業者ID: 5.1E+13 はExcelで指数表記に変換されたID")
    assert lines[1] == "3行目 都道府県: 東都 という都道府県はありません。"
    assert lines[2] == "4行目 登録日: 2021/2/30 は存在しない日付です。"
    assert not Business.objects.exists()


def test_a_missing_file_exits_2(tmp_path):
    with pytest.raises(CommandError) as raised:
        call_command("import_businesses", str(tmp_path / "nope.csv"), stdout=io.StringIO(), stderr=io.StringIO())
    assert raised.value.returncode == 2


def test_import_associations_creates_and_renames_by_code(tmp_path):
    AssociationFactory(code="ZENKEN", name="旧名")
    path = write(
        tmp_path,
        "a.xlsx",
        xlsx_bytes([["ZENKEN", "全国建設業協会"], ["TOSO", "日本塗装工業会"]], header=["団体コード", "団体名"]),
    )
    out, _err = run("import_associations", path)
    assert "新規 1件、更新 1件" in out
    assert dict(Association.objects.values_list("code", "name")) == {
        "ZENKEN": "全国建設業協会",
        "TOSO": "日本塗装工業会",
    }


def test_import_associations_refuses_a_malformed_code(tmp_path):
    path = write(
        tmp_path, "a.csv", csv_bytes([{"団体コード": "zen ken!", "団体名": "x"}], header=["団体コード", "団体名"])
    )
    with pytest.raises(CommandError):
        call_command("import_associations", str(path), stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert "2行目 団体コード: 団体コードは" in err.getvalue()


def test_import_memberships_adds_members_by_id_and_code(tmp_path):
    business = BusinessFactory(ccus_id="12345678901234")
    AssociationFactory(code="ZENKEN")
    header = ["事業者ID", "団体コード", "入会日"]
    path = write(
        tmp_path,
        "m.csv",
        csv_bytes([{"事業者ID": business.ccus_id, "団体コード": "zenken", "入会日": "2020/4/1"}], header=header),
    )
    out, _err = run("import_memberships", path)
    assert "新規 1件" in out
    assert Membership.objects.get().joined_on == datetime.date(2020, 4, 1)
    out, _err = run("import_memberships", path)
    assert "変更なし 1件" in out


def test_import_links_creates_updates_and_reports_unknown_ids(tmp_path):
    prime, sub, other = (BusinessFactory() for _ in range(3))
    LinkFactory(prime=prime, subcontractor=other, tier=1)
    header = ["元請事業者ID", "下請事業者ID", "次数", "最終確認日"]
    rows = [
        {"元請事業者ID": prime.ccus_id, "下請事業者ID": sub.ccus_id, "次数": "2", "最終確認日": "2025-06-30"},
        {"元請事業者ID": prime.ccus_id, "下請事業者ID": other.ccus_id, "次数": "3", "最終確認日": ""},
    ]
    out, _err = run("import_links", write(tmp_path, "l.csv", csv_bytes(rows, "utf-8-sig", header=header)))
    assert "新規 1件、更新 1件" in out
    assert SubcontractLink.objects.get(subcontractor=sub).tier == 2
    assert SubcontractLink.objects.get(subcontractor=other).tier == 3

    bad = [
        {"元請事業者ID": prime.ccus_id, "下請事業者ID": "99999999999999", "次数": "1"},
        {"元請事業者ID": prime.ccus_id, "下請事業者ID": prime.ccus_id, "次数": "1"},
        {"元請事業者ID": prime.ccus_id, "下請事業者ID": sub.ccus_id, "次数": "0"},
    ]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_links",
            str(write(tmp_path, "bad.csv", csv_bytes(bad, header=header))),
            stdout=io.StringIO(),
            stderr=err,
        )
    assert err.getvalue().splitlines() == [
        "2行目 下請事業者ID: 事業者ID 99999999999999 の事業者は登録されていません。",
        "3行目 下請事業者ID: 元請と下請に同じ事業者は指定できません。",
        "4行目 次数: 次数は1以上の整数で入力してください（1 = 直接の下請）。",
    ]
    assert SubcontractLink.objects.count() == 2
