"""Taking calls: most urgent first, only in calling hours, never the same task twice."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, transaction

from ccus import roles
from outreach.calls import services as calls
from outreach.models import CallTask
from outreach.tests.factories import phone_notice, policy_with_steps
from registrations.tests.factories import staff_user

D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))
TUESDAY = D(2027, 3, 2)
MORNING = datetime.datetime(2027, 3, 2, 10, 0, tzinfo=JST)


def three_notices():
    policy_with_steps(("phone", 45, 15))
    return [phone_notice(D(2027, 4, day), today=TUESDAY) for day in (12, 5, 9)]


@pytest.mark.django_db
def test_the_most_urgent_expiry_is_called_first():
    later, urgent, middle = three_notices()
    operator = staff_user(roles.OPERATOR, "op1")
    order = []
    for _ in range(3):
        task = calls.call_claim_next(operator=operator, now=MORNING)
        order.append(task.notice_id)
        calls.call_record(task_id=task.pk, operator=operator, outcome="will_renew", now=MORNING)
    assert order == [urgent.pk, middle.pk, later.pk]
    assert calls.call_claim_next(operator=operator, now=MORNING) is None


@pytest.mark.django_db
def test_no_call_is_taken_outside_calling_hours_or_on_holidays():
    three_notices()
    operator = staff_user(roles.OPERATOR, "op1")
    for moment in (
        datetime.datetime(2027, 3, 2, 8, 59, tzinfo=JST),
        datetime.datetime(2027, 3, 2, 18, 0, tzinfo=JST),
        datetime.datetime(2027, 3, 6, 10, 0, tzinfo=JST),  # Saturday
    ):
        with pytest.raises(calls.CallError, match="営業日"):
            calls.call_claim_next(operator=operator, now=moment)
    assert not CallTask.objects.filter(assigned_to__isnull=False).exists()


@pytest.mark.django_db
def test_an_operator_gets_back_their_unfinished_call_and_others_get_it_only_when_stale():
    three_notices()
    op1, op2 = staff_user(roles.OPERATOR, "op1"), staff_user(roles.OPERATOR, "op2")
    taken = calls.call_claim_next(operator=op1, now=MORNING)
    assert calls.call_claim_next(operator=op1, now=MORNING + datetime.timedelta(minutes=5)).pk == taken.pk
    assert calls.call_claim_next(operator=op2, now=MORNING + datetime.timedelta(minutes=5)).pk != taken.pk
    op3 = staff_user(roles.OPERATOR, "op3")
    late = MORNING + datetime.timedelta(minutes=45)  # op1 walked away; the claim is stale
    assert calls.call_claim_next(operator=op3, now=late).pk == taken.pk
    with pytest.raises(calls.CallError):
        calls.call_record(task_id=taken.pk, operator=op1, outcome="will_renew", now=late)


@pytest.mark.django_db
def test_a_call_is_not_offered_once_the_business_has_applied():
    from renewals import services as renewal_services

    notices = three_notices()
    with time_machine.travel(MORNING):  # an application cannot be dated in the future
        for notice in notices:
            renewal_services.renewal_record_application(business=notice.business, received_on=TUESDAY, channel="online")
    assert calls.call_claim_next(operator=staff_user(roles.OPERATOR, "op1"), now=MORNING) is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_operators_taking_calls_at_the_same_moment_get_different_tasks(postgres):
    three_notices()
    op1, op2 = staff_user(roles.OPERATOR, "op1"), staff_user(roles.OPERATOR, "op2")
    a_holds_lock, b_done = threading.Event(), threading.Event()
    got = {}

    def operator_a():
        try:
            with transaction.atomic():  # keeps A's row lock until B has taken its call
                got["a"] = calls.call_claim_next(operator=op1, now=MORNING).pk
                a_holds_lock.set()
                got["b_finished_while_a_held_the_lock"] = b_done.wait(10)
        finally:
            connection.close()

    def operator_b():
        try:
            a_holds_lock.wait(10)
            got["b"] = calls.call_claim_next(operator=op2, now=MORNING).pk
        finally:
            b_done.set()
            connection.close()

    threads = [threading.Thread(target=operator_a), threading.Thread(target=operator_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert got["b_finished_while_a_held_the_lock"], "B waited for A's lock: SKIP LOCKED is not in effect"
    assert got["a"] != got["b"]
    assert dict(CallTask.objects.filter(pk__in=[got["a"], got["b"]]).values_list("pk", "assigned_to")) == {
        got["a"]: op1.pk,
        got["b"]: op2.pk,
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_operators_racing_for_calls_never_share_one(postgres):
    three_notices()
    operators = [staff_user(roles.OPERATOR, f"op{n}") for n in range(3)]
    start = threading.Barrier(len(operators))
    taken: dict[str, list[int]] = {}

    def work(operator):
        try:
            start.wait(10)
            mine = taken.setdefault(operator.username, [])
            while task := calls.call_claim_next(operator=operator, now=MORNING):
                mine.append(task.pk)
                calls.call_record(task_id=task.pk, operator=operator, outcome="refuses", now=MORNING)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(operator,)) for operator in operators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    every = [pk for pks in taken.values() for pk in pks]
    assert sorted(every) == sorted(CallTask.objects.values_list("pk", flat=True))
    assert len(every) == len(set(every)) == 3
