"""Bulk writes keep each changed row in its history, with who and when (ccus.history)."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from ccus import roles
from ccus.history import history_record_bulk, update_with_history
from outreach import bounces, scan
from outreach.models import Notice
from outreach.postcards import services as postcard_services
from outreach.reports import segments
from outreach.reports.tests import dashboard_data
from outreach.reports.tests.dashboard_data import TODAY
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.models import Business, TradeGroup
from registrations.tests.factories import BusinessFactory, staff_user
from registrations.tests.files import business_row, csv_bytes
from renewals import services as renewal_services
from renewals.models import Term

pytestmark = pytest.mark.django_db
D = datetime.date


def history(model, **filters):
    """(history_type, change reason, username) of the matching history rows, oldest first."""
    rows = model.history.filter(**filters).order_by("history_id").select_related("history_user")
    return [(h.history_type, h.history_change_reason, h.history_user and h.history_user.username) for h in rows]


def test_history_record_bulk_copies_exactly_the_rows_named(django_user_model):
    user = django_user_model.objects.create_user("clerk")
    chosen, other = BusinessFactory(name="株式会社甲"), BusinessFactory(name="株式会社乙")
    Business.objects.filter(pk=chosen.pk).update(name="株式会社丙")
    copied = history_record_bulk(Business.objects.filter(pk=chosen.pk), operation="test rename", user=user)
    assert copied == 1
    latest = chosen.history.order_by("-history_id").first()
    assert (latest.name, latest.history_type, latest.history_change_reason, latest.history_user) == (
        "株式会社丙",
        "~",
        "test rename",
        user,
    )
    assert other.history.count() == 1  # only its creation


def test_history_record_bulk_of_nothing_writes_nothing():
    assert history_record_bulk(Business.objects.filter(pk__in=[]), operation="none") == 0


def test_update_with_history_changes_and_records_only_matching_rows():
    first, second = BusinessFactory(), BusinessFactory(email_bounced_since=D(2026, 1, 1))
    changed = update_with_history(
        Business.objects.filter(email_bounced_since__isnull=True), operation="flag", email_bounced_since=D(2027, 1, 5)
    )
    assert changed == 1
    assert history(Business, id=first.pk)[-1] == ("~", "flag", None)
    assert history(Business, id=second.pk) == [("+", None, None)]


def test_an_admin_import_keeps_who_and_the_file_in_each_businesss_history(client):
    desk = staff_user(roles.DESK, "desk1")
    client.force_login(desk)
    BusinessFactory(ccus_id="12345678901235", name="株式会社旧商号")
    data = csv_bytes([business_row(), business_row(事業者ID="12345678901235", 商号="株式会社新商号")])
    upload = SimpleUploadedFile("register.csv", data)
    fields = {"format": "0", "resource": "0", "import_file": upload}
    response = client.post("/admin/registrations/business/import/", fields)
    client.post("/admin/registrations/business/process_import/", response.context["confirm_form"].initial)
    reason = "取込: register.csv"
    assert history(Business, ccus_id="12345678901234") == [("+", reason, "desk1")]
    assert history(Business, ccus_id="12345678901235")[-1] == ("~", reason, "desk1")
    assert Business.history.filter(ccus_id="12345678901235").latest("history_id").name == "株式会社新商号"


def test_the_import_command_names_its_file(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes([business_row()]))
    call_command("import_businesses", str(path), stdout=io.StringIO())
    assert history(Business, ccus_id="12345678901234") == [("+", "取込: register.csv", None)]


def test_terms_sync_and_mark_lapsed_keep_each_term_in_its_history():
    business = BusinessFactory(registered_on=D(2021, 12, 10), expires_on=D(2026, 12, 31))
    renewal_services.terms_sync()
    term = Term.objects.get(business=business)
    assert history(Term, id=term.pk) == [("+", "有効期間の同期", None)]

    Business.objects.filter(pk=business.pk).update(expires_on=D(2027, 1, 31))
    renewal_services.terms_sync()
    assert history(Term, id=term.pk)[-1] == ("~", "有効期間の同期", None)
    assert Term.history.filter(id=term.pk).latest("history_id").expires_on == D(2027, 1, 31)

    assert renewal_services.mark_lapsed(today=D(2027, 2, 1)) == 1
    assert renewal_services.mark_lapsed(today=D(2027, 2, 1)) == 0
    lapses = Term.history.filter(id=term.pk, history_change_reason="2027-02-01 に失効")
    assert [(h.ended, h.lapse_recorded_on) for h in lapses] == [("lapsed", D(2027, 2, 1))]


def test_the_daily_scan_records_the_notices_it_creates_and_cancels():
    policy_with_steps(("email", 180, 0))
    business = business_expiring(D(2027, 3, 31))
    scan.run_scan(today=D(2026, 10, 5))
    notice = Notice.objects.get(business=business)
    assert history(Notice, id=notice.pk) == [("+", "2026-10-05 のスキャン", None)]

    Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.QUEUED)
    renewal_services.renewal_record_application(business=business, received_on=D(2026, 10, 6), channel="web")
    scan.run_scan(today=D(2026, 10, 7))
    assert history(Notice, id=notice.pk)[-1] == ("~", "2026-10-07 のスキャンで取消", None)
    assert Notice.history.filter(id=notice.pk).latest("history_id").status == Notice.Status.CANCELLED


def test_posting_a_batch_records_each_notice_with_the_supervisor(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    supervisor = staff_user(roles.SUPERVISOR, "sv1")
    policy_with_steps(("postcard", 90, 0))
    business_expiring(D(2027, 1, 31))
    business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2026, 11, 2))
    batch = postcard_services.postcard_batch_start(for_date=D(2026, 11, 2), user=supervisor)
    postcard_services.postcard_batch_build(batch_id=batch.pk)
    batch.refresh_from_db()
    assert postcard_services.postcard_batch_mark_posted(batch=batch, posted_on=D(2026, 11, 4), user=supervisor) == 2
    for notice in Notice.objects.all():
        reasons = [reason for _type, reason, _user in history(Notice, id=notice.pk)]
        assert reasons == [
            "2026-11-02 のスキャン",
            f"はがき印刷バッチ {batch.pk} に割当",
            f"はがき印刷バッチ {batch.pk} で印刷",
            f"はがき印刷バッチ {batch.pk} を投函",
        ]
        assert history(Notice, id=notice.pk)[-1][2] == "sv1"
        assert Notice.history.filter(id=notice.pk).latest("history_id").status == Notice.Status.SENT


def test_a_bounce_list_records_each_flagged_business_with_the_desk_user(django_user_model):
    user = django_user_model.objects.create_user("desk2")
    business = BusinessFactory(email="sato@example.jp")
    bounces.bounces_record_list(data=b"sato@example.jp\n", file_name="b.csv", bounced_on=D(2027, 1, 5), user=user)
    assert history(Business, id=business.pk)[-1] == ("~", "不達リスト b.csv", "desk2")
    assert Business.history.filter(id=business.pk).latest("history_id").email_bounced_since == D(2027, 1, 5)


def test_returned_mail_records_each_flagged_business(django_user_model):
    user = django_user_model.objects.create_user("desk3")
    business = BusinessFactory()
    postcard_services.returned_mail_record(business_ids=[business.pk], returned_on=D(2026, 11, 12), user=user)
    assert history(Business, id=business.pk)[-1] == ("~", "宛所不明で返送", "desk3")


def test_handing_a_segment_to_the_phone_desk_records_each_new_notice():
    register = dashboard_data.build()
    group = TradeGroup.objects.get(name="設備")
    saved = segments.segment_list_create(kind="prefecture_trade_group", keys=("13", group.pk), today=TODAY)
    assert segments.segment_list_calls(segment_list=saved, today=TODAY)["created"] == 1
    notice = Notice.objects.get(business=register["F"], channel="phone")
    assert history(Notice, id=notice.pk) == [("+", f"区分リスト {saved.pk} から電話対応へ", None)]
