import datetime
import io
import threading

import pytest
import time_machine
from django.db import connection, transaction
from django.urls import reverse
from pypdf import PdfReader

from ccus import roles
from outreach import scan
from outreach.models import Notice, PostcardBatch
from outreach.postcards import printing
from outreach.postcards import services as postcard_services
from outreach.tests.factories import business_expiring, policy_with_steps
from registrations.tests.factories import staff_user

D = datetime.date
BUILD = reverse("admin:outreach_postcardbatch_build")
CHANGELIST = reverse("admin:outreach_postcardbatch_changelist")
NOON = datetime.datetime(2026, 11, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def queued(db):
    policy_with_steps(("postcard", 90, 0))
    businesses = [business_expiring(D(2027, 1, 31)) for _ in range(3)]
    scan.run_scan(today=D(2026, 11, 2))
    return businesses


def client_for(client, role):
    client.force_login(staff_user(role))
    return client


@pytest.mark.django_db
def test_the_desk_builds_a_batch_from_the_button_and_downloads_its_files(
    client, queued, django_capture_on_commit_callbacks
):
    desk = client_for(client, roles.DESK)
    assert "今すぐ印刷バッチを作成" in desk.get(CHANGELIST).content.decode()
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = desk.post(BUILD)
    batch = PostcardBatch.objects.get()
    assert response.url == reverse("admin:outreach_postcardbatch_change", args=[batch.pk])
    assert (batch.status, batch.done, batch.created_by.groups.get().name) == ("ready", 3, roles.DESK)
    page = desk.get(response.url).content.decode()
    assert "3件" in page and "投函済みにする" in page
    pdf = desk.get(reverse("admin:outreach_postcardbatch_file", args=[batch.pk, "pdf"]))
    assert pdf["Content-Disposition"].startswith("attachment")
    assert len(PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages) == 6
    cp932 = desk.get(reverse("admin:outreach_postcardbatch_file", args=[batch.pk, "csv_cp932"]))
    assert b"".join(cp932.streaming_content).decode("cp932").startswith("連番,事業者ID")


@pytest.mark.django_db
def test_the_desk_marks_a_batch_posted(client, queued):
    desk = client_for(client, roles.DESK)
    batch = postcard_services.postcard_batch_build(
        batch_id=postcard_services.postcard_batch_start(for_date=D(2026, 11, 2)).pk
    )
    desk.post(reverse("admin:outreach_postcardbatch_posted", args=[batch.pk]), {"posted_on": "2026-11-04"})
    batch.refresh_from_db()
    assert batch.status == "posted" and Notice.objects.filter(status="sent").count() == 3


@pytest.mark.django_db
def test_a_bad_posting_date_changes_nothing(client, queued):
    desk = client_for(client, roles.DESK)
    batch = postcard_services.postcard_batch_build(
        batch_id=postcard_services.postcard_batch_start(for_date=D(2026, 11, 2)).pk
    )
    response = desk.post(
        reverse("admin:outreach_postcardbatch_posted", args=[batch.pk]), {"posted_on": "2026-02-30"}, follow=True
    )
    assert "投函日を入力してください" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == "ready"


@pytest.mark.django_db
def test_an_operator_may_neither_build_nor_download(client, queued):
    operator = client_for(client, roles.OPERATOR)
    assert operator.post(BUILD).status_code == 403
    batch = postcard_services.postcard_batch_build(
        batch_id=postcard_services.postcard_batch_start(for_date=D(2026, 11, 2)).pk
    )
    assert operator.get(reverse("admin:outreach_postcardbatch_file", args=[batch.pk, "pdf"])).status_code == 403


@pytest.mark.django_db
def test_building_with_nothing_queued_says_so(client):
    desk = client_for(client, roles.DESK)
    response = desk.post(BUILD, follow=True)
    assert "印刷を待つはがきはありません" in response.content.decode()
    assert not PostcardBatch.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_builds_at_once_never_take_the_same_notice(postgres):
    policy_with_steps(("postcard", 90, 0))
    for _ in range(4):
        business_expiring(D(2027, 1, 31))
    scan.run_scan(today=D(2026, 11, 2))
    first_claimed, second_done = threading.Event(), threading.Event()
    taken = {}

    def first_build():
        with transaction.atomic():
            batch = PostcardBatch.objects.create(for_date=D(2026, 11, 2))
            taken["first"] = printing.claim(batch)
            first_claimed.set()
            # Hold the row locks while the second build runs: it must skip them, not wait.
            taken["second finished while locked"] = second_done.wait(5)
        connection.close()

    thread = threading.Thread(target=first_build)
    thread.start()
    first_claimed.wait(10)
    second = PostcardBatch.objects.create(for_date=D(2026, 11, 2))
    taken["second"] = printing.claim(second)
    second_done.set()
    thread.join()
    assert taken == {"first": 4, "second": 0, "second finished while locked": True}
    assert Notice.objects.filter(batch=second).count() == 0
    assert Notice.objects.exclude(batch=None).count() == 4
