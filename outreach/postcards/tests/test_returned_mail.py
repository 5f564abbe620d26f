import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ccus import roles
from outreach import scan
from outreach.models import Notice, ReturnedMail
from outreach.postcards import services as postcard_services
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import BusinessFactory, staff_user

pytestmark = pytest.mark.django_db
D = datetime.date
RECORD = reverse("admin:outreach_returnedmail_add")
UPLOAD = reverse("admin:outreach_returnedmail_upload")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def desk(client):
    client.force_login(staff_user(roles.DESK))
    return client


def test_returned_mail_switches_the_next_postcard_step_to_phone():
    policy_with_steps(("postcard", 90, 31), ("postcard", 30, 0))
    business = business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2026, 11, 2))
    batch = postcard_services.postcard_batch_start(for_date=D(2026, 11, 2))
    postcard_services.postcard_batch_build(batch_id=batch.pk)
    postcard_services.postcard_batch_mark_posted(batch=batch, posted_on=D(2026, 11, 4))

    postcard_services.returned_mail_record(business_ids=[business.pk], returned_on=D(2026, 11, 12))

    business.refresh_from_db()
    assert business.address_undeliverable_since == D(2026, 11, 12)
    record = ReturnedMail.objects.get()
    assert (record.business, record.batch, record.notice.channel) == (business, batch, "postcard")
    scan.run_scan(today=D(2027, 1, 1))  # 30 days before: the second postcard step
    following = Notice.objects.get(step__days_before=30)
    assert (following.channel, following.status, following.fallback_reason) == ("phone", "queued", "undeliverable")


def test_a_queued_postcard_of_a_returned_address_is_left_out_of_the_next_batch():
    policy_with_steps(("postcard", 90, 0))
    business = business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2026, 11, 2))
    postcard_services.returned_mail_record(business_ids=[business.pk], returned_on=D(2026, 11, 3))
    batch = postcard_services.postcard_batch_start(for_date=D(2026, 11, 3))
    assert batch.exclusions.get().reason == "undeliverable"
    assert Notice.objects.get().channel == "phone"


def test_the_desk_records_returned_mail_by_typing_the_id_in_any_width(desk):
    business = BusinessFactory(ccus_id="12345678901234")
    response = desk.post(RECORD, {"ccus_id": "１２３４５-６７８９０１２３４", "returned_on": "2026-11-12"})
    assert response.status_code == 302 and response.url == RECORD
    assert ReturnedMail.objects.get().business == business
    business.refresh_from_db()
    assert business.address_undeliverable_since == D(2026, 11, 12)


def test_an_unknown_id_is_refused_in_japanese_and_nothing_is_written(desk):
    response = desk.post(RECORD, {"ccus_id": "99999999999999", "returned_on": "2026-11-12"})
    assert "事業者ID 99999999999999 の事業者はありません" in response.content.decode()
    assert not ReturnedMail.objects.exists()


def test_an_uploaded_list_with_a_bad_id_reports_every_line_and_writes_nothing(desk):
    BusinessFactory(ccus_id="12345678901234")
    content = "事業者ID\n12345678901234\n1234\n5.1E+13\n99999999999999\n".encode("cp932")
    response = desk.post(UPLOAD, {"file": SimpleUploadedFile("ids.csv", content), "returned_on": "2026-11-12"})
    page = response.content.decode()
    assert "3行目" in page and "14桁の事業者IDではありません" in page
    assert "4行目" in page and "Excel" in page
    assert "5行目" in page and "99999999999999" in page
    assert not ReturnedMail.objects.exists()


def test_an_uploaded_list_records_every_business_once(desk):
    first = BusinessFactory(ccus_id="12345678901234")
    second = BusinessFactory(ccus_id="12345678901235")
    content = "12345678901234,株式会社A\n12345678901235\n12345678901234\n".encode()
    response = desk.post(UPLOAD, {"file": SimpleUploadedFile("ids.csv", content), "returned_on": "2026-11-12"})
    assert response.status_code == 302
    assert sorted(ReturnedMail.objects.values_list("business_id", flat=True)) == sorted([first.pk, second.pk])


def test_the_business_page_shows_its_returned_mail(desk):
    business = BusinessFactory()
    postcard_services.returned_mail_record(business_ids=[business.pk], returned_on=D(2026, 11, 12))
    page = desk.get(reverse("admin:registrations_business_change", args=[business.pk])).content.decode()
    assert "宛所不明" in page and "2026年11月12日" in page
