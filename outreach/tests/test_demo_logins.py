"""make run's demo logins: one per role, association staff tied to a real association, the address as served."""

import io
import logging

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from ccus import roles
from ccus.celery import app
from ccus.oplog import HideOperationLines, log_batch
from outreach.lists import scoping
from outreach.tasks import heartbeat_task
from registrations.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_every_role_has_a_demo_login_and_association_staff_work_for_the_largest_association():
    big = MembershipFactory().association
    MembershipFactory(association=big)
    MembershipFactory()
    out = io.StringIO()

    call_command("create_demo_users", url="http://127.0.0.1:8123/admin/", stdout=out)

    staff = User.objects.get(username="association")
    assert scoping.association_of(staff) == big
    assert scoping.is_association_staff(staff)
    assert {group.name for user in User.objects.all() for group in user.groups.all()} == set(roles.ALL_ROLES) - {
        roles.ADMINISTRATOR
    }
    printed = out.getvalue()
    assert printed.startswith("Logins for http://127.0.0.1:8123/admin/ ")
    assert f"association {roles.ASSOCIATION_STAFF} ({big.name})" in printed


def test_running_it_again_changes_nothing():
    MembershipFactory()
    call_command("create_demo_users", stdout=io.StringIO())
    call_command("create_demo_users", stdout=io.StringIO())

    assert User.objects.filter(username="association", association_staff__isnull=False).count() == 1


def test_a_console_read_by_a_person_shows_no_json_operation_lines_but_still_warnings():
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    handler.addFilter(HideOperationLines())
    logger = logging.getLogger("outreach.demo-test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        log_batch(logger, "scan", created=3)
        log_batch(logger, "scan.enqueue_failed", level=logging.WARNING, count=2)
        logger.info("a plain line")
    finally:
        logger.removeHandler(handler)

    assert [record.getMessage()[:30] for record in records] == [
        '{"count": 2, "event": "scan.en',
        "a plain line",
    ]


def test_tasks_run_in_process_without_kombu_guessing_a_broker(caplog):
    with caplog.at_level(logging.WARNING, logger="kombu"):
        heartbeat_task.delay()

    assert app.conf.task_always_eager
    assert not [record for record in caplog.records if record.name.startswith("kombu")]
