"""The answers businesses send back: recording one from the answer page, and the desk's decision.

Recording writes the answer and, in the same transaction, cancels the business's queued
rungs that the answer pauses (outreach.needed, outreach.pauses). The desk's decision
goes through the services the desk uses for the same step by hand: an application is
recorded by renewals.services.renewal_record_application, a closing by
renewals.services.business_close, new contact details by the business's own validation
and save (its history, and the contact flags the change resolves cleared by
Business.derive_fields).
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ccus.history import reason, update_with_history
from outreach import needed
from outreach.models import Answer, Notice
from registrations.models import Business
from renewals import services as renewal_services
from renewals.models import RenewalCase, Term

# What the business may propose, and the register's field each value goes to.
CONTACT_FIELDS = {
    "new_email": "email",
    "new_phone": "phone",
    "new_contact_person": "contact_person",
    "new_postal_code": "postal_code",
    "new_address": "address",
}
DETAIL_FIELDS = ("on_date", "route", "agent_name", "agent_contact", "successor", *CONTACT_FIELDS)
NEEDS_THE_DESK = (Answer.Kind.APPLIED, Answer.Kind.AGENT, Answer.Kind.CLOSED, Answer.Kind.MERGED, Answer.Kind.CONTACT)


class AnswerError(Exception):
    """A step the rules do not allow; the message (Japanese) is for the person who tried."""


def _cancel_paused(business_id: int, *, operation: str, user=None) -> int:
    today = timezone.localdate()
    return needed.cancel(Notice.objects.filter(business_id=business_id), operation=operation, user=user, today=today)


@transaction.atomic
def answer_record(*, notice: Notice, kind: str, details: dict, now: datetime.datetime | None = None) -> Answer:
    """Record a business's answer to a notice (details: the form's cleaned values).

    Raises AnswerError when the notice already has a standing answer (a second click, a replay).
    """
    now = now or timezone.now()
    values = {name: details.get(name) or ("" if name != "on_date" else None) for name in DETAIL_FIELDS}
    if kind == Answer.Kind.WILL_APPLY:
        values["pause_until"] = values["on_date"] + datetime.timedelta(days=settings.ANSWER_PAUSE_MARGIN_DAYS)
    status = Answer.Status.PENDING if kind in NEEDS_THE_DESK else Answer.Status.NOTED
    try:
        with transaction.atomic():
            answer = Answer.objects.create(
                business_id=notice.business_id, notice=notice, kind=kind, status=status, answered_at=now, **values
            )
    except IntegrityError as error:
        raise AnswerError(_("We have already received an answer to this notice. Thank you.")) from error
    _cancel_paused(
        notice.business_id, operation=reason(gettext_noop("paused by the business's answer %(id)s"), id=answer.pk)
    )
    return answer


def _record_application(answer: Answer, *, user) -> None:
    """申請済み / 行政書士・登録機関: the application as the desk records one, unless it is already there."""
    business = answer.business
    term = renewal_services.current_term(business)
    if RenewalCase.objects.filter(term=term, status__in=needed.APPLIED_STATUSES).exists():
        return
    via_agent = answer.kind == Answer.Kind.AGENT or answer.route == Answer.Route.AGENT
    agent = " ".join(filter(None, [answer.agent_name, answer.agent_contact]))
    note = _("From the business's answer on the answer page.") + (f" {agent}" if agent else "")
    renewal_services.renewal_record_application(
        business=business,
        received_on=answer.on_date or timezone.localdate(),
        channel=RenewalCase.Channel.AGENT if via_agent else RenewalCase.Channel.ONLINE,
        user=user,
        note=note,
    )


def _contact_apply(answer: Answer, *, user) -> None:
    """連絡先が変わりました: the proposed values written as the desk's business form writes them."""
    business = Business.objects.select_for_update().get(pk=answer.business_id)
    for proposed, field in CONTACT_FIELDS.items():
        if value := getattr(answer, proposed):
            setattr(business, field, value)
    try:
        business.full_clean()
    except ValidationError as error:
        raise AnswerError(" ".join(error.messages)) from error
    business._change_reason = reason(gettext_noop("contact details from the business's answer %(id)s"), id=answer.pk)
    business._history_user = user
    business.save()


@transaction.atomic
def answer_confirm(*, answer: Answer, user) -> Answer:
    """The desk confirms a pending answer: its effect on the register, then the answer confirmed.

    Raises AnswerError (nothing written) when the answer is not pending or its effect is refused.
    """
    answer = Answer.objects.select_for_update().select_related("business").get(pk=answer.pk)
    if answer.status != Answer.Status.PENDING:
        raise AnswerError(_("Only an answer waiting for the desk can be confirmed."))
    try:
        if answer.kind in (Answer.Kind.APPLIED, Answer.Kind.AGENT):
            _record_application(answer, user=user)
        elif answer.kind in (Answer.Kind.CLOSED, Answer.Kind.MERGED):
            ended = Term.End.CLOSED if answer.kind == Answer.Kind.CLOSED else Term.End.MERGED
            closed_on = answer.on_date or timezone.localdate()
            renewal_services.business_close(business=answer.business, ended=ended, closed_on=closed_on, user=user)
        elif answer.kind == Answer.Kind.CONTACT:
            _contact_apply(answer, user=user)
    except renewal_services.RenewalError as error:
        raise AnswerError(str(error)) from error
    update_with_history(
        Answer.objects.filter(pk=answer.pk),
        operation=reason(gettext_noop("confirmed by the desk")),
        user=user,
        status=Answer.Status.CONFIRMED,
        decided_at=timezone.now(),
        decided_by=user,
    )
    _cancel_paused(answer.business_id, operation=reason(gettext_noop("cancelled when the desk confirmed an answer")))
    answer.refresh_from_db()
    return answer


@transaction.atomic
def answer_reject(*, answer: Answer, user, why: str) -> Answer:
    """The desk rejects a pending answer with a reason: nothing is written to the register and
    the reminders it paused resume."""
    why = why.strip()
    if not why:
        raise AnswerError(_("Write why the answer is rejected."))
    rejected = update_with_history(
        Answer.objects.filter(pk=answer.pk, status=Answer.Status.PENDING),
        operation=reason(gettext_noop("rejected by the desk")),
        user=user,
        status=Answer.Status.REJECTED,
        decided_at=timezone.now(),
        decided_by=user,
        reject_reason=why[: Answer._meta.get_field("reject_reason").max_length],
    )
    if not rejected:
        raise AnswerError(_("Only an answer waiting for the desk can be rejected."))
    answer.refresh_from_db()
    return answer
