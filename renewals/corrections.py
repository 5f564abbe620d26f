"""A supervisor's correction of a registration's dates (登録日, 有効期限), with a reason.

The desk cannot type these dates (registrations.forms.BusinessForm): a date entered
wrong is corrected here, by a user with `renewals.correct_term` (監督者, 管理者). The
current term and the business's copy of its expiry move together in one transaction,
and every history row written carries the reason as its change reason, so the term
history on the business page shows who corrected what, when and why.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ccus import history
from ccus.history import update_with_history
from registrations.models import Business
from renewals.models import Term
from renewals.services import RenewalError, business_expiry_follow, check_date

# simple-history keeps 100 characters of a change reason; the prefix takes a few.
REASON_MAX_LENGTH = 90


def change_reason(reason: str) -> str:
    """The history's change reason of a correction, in the register's language whatever the user's."""
    return history.reason(gettext_noop("Correction: %(reason)s"), reason=reason)


@transaction.atomic
def registration_dates_correct(
    *, business: Business, registered_on: datetime.date, expires_on: datetime.date, reason: str, user
) -> Term:
    """Correct the registration date and the current term's expiry; returns the current term.

    Steps: check the reason and the dates; move the current term's expiry, and the start
    of the term that began on the old registration date (a registration's, not a
    renewal's); then the business's 登録日 and its copy of the expiry.
    """
    reason = " ".join((reason or "").split())
    name = {"business": f"{business.name} ({business.ccus_id})"}
    if not reason:
        raise RenewalError(_("%(business)s: give the reason for the correction; it is kept in the history.") % name)
    if len(reason) > REASON_MAX_LENGTH:
        raise RenewalError(_("The reason may be at most %(count)s characters.") % {"count": REASON_MAX_LENGTH})
    business = Business.objects.select_for_update().get(pk=business.pk)
    check_date(Business, "registered_on", registered_on, business)
    current = Term.objects.filter(business=business, is_current=True).first()
    if current is None:
        raise RenewalError(_("%(business)s has no registration term.") % name)
    began = (
        Term.objects.filter(business=business, starts_on=business.registered_on)
        .exclude(origin=Term.Origin.RENEWAL)
        .order_by("-starts_on")
        .first()
    )
    if registered_on == business.registered_on and expires_on == current.expires_on:
        raise RenewalError(_("%(business)s: the dates are as they were; there is nothing to correct.") % name)
    changes: dict[int, dict] = {current.pk: {"expires_on": expires_on}}
    if began and registered_on != business.registered_on:
        changes.setdefault(began.pk, {})["starts_on"] = registered_on
    for term in {current, *([began] if began else [])}:
        starts = changes.get(term.pk, {}).get("starts_on", term.starts_on)
        ends = changes.get(term.pk, {}).get("expires_on", term.expires_on)
        if ends <= starts:
            raise RenewalError(
                _("%(business)s: the expiry %(expiry)s must come after the term's start %(start)s.")
                % {**name, "expiry": ends, "start": starts}
            )
    operation = change_reason(reason)
    for pk, values in changes.items():
        update_with_history(Term.objects.filter(pk=pk), operation=operation, user=user, **values)
    update_with_history(
        Business.objects.filter(pk=business.pk).exclude(registered_on=registered_on),
        operation=operation,
        user=user,
        registered_on=registered_on,
        updated_at=timezone.now(),
    )
    business_expiry_follow(business_ids=[business.pk], operation=operation, user=user)
    current.refresh_from_db()
    return current
