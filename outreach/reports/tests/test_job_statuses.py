"""Files made in the background read as what they are: 作成待ち / 作成中 / 完了, never a notice's 送信待ち."""

import pytest

from ccus import roles
from outreach.models import CommitteeReport, SubcontractorList
from registrations.models import ExportJob
from registrations.tests.factories import BusinessFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("model", "status", "label"),
    [
        (SubcontractorList, "queued", "作成待ち"),
        (SubcontractorList, "building", "作成中"),
        (SubcontractorList, "done", "完了"),
        (CommitteeReport, "queued", "作成待ち"),
        (CommitteeReport, "done", "完了"),
        (ExportJob, "queued", "作成待ち"),
        (ExportJob, "running", "作成中"),
    ],
)
def test_job_statuses_read_as_making_a_file(model, status, label):
    assert str(dict(model.Status.choices)[status]) == label


def test_the_lists_show_the_job_status_and_each_label_once(client):
    supervisor = staff_user(roles.SUPERVISOR, "boss-jobs")
    client.force_login(supervisor)
    queued = SubcontractorList.objects.create(scope="prime", prime=BusinessFactory(), as_of="2026-10-05")
    CommitteeReport.objects.create(quarter="2026Q3")
    ExportJob.objects.create(created_by=supervisor, format="csv")

    pages = {
        url: client.get(url).content.decode()
        for url in (
            "/admin/outreach/subcontractorlist/",
            "/admin/outreach/committeereport/",
            "/admin/registrations/exportjob/",
        )
    }
    change = client.get(f"/admin/outreach/subcontractorlist/{queued.pk}/change/").content.decode()

    for url, page in pages.items():
        assert "作成待ち" in page, url
        assert "送信待ち" not in page, url
    assert "送信待ち" not in change
    assert change.count("作成日時") == 1
    assert "完成日時" in change
