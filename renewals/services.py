"""Renewal workflows: applications, approvals, lapses and registering again.

Functions here lock the rows they change and raise RenewalError with a message for
the desk when a rule forbids the step.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ccus.history import CREATED, history_record_bulk, reason, update_with_history
from registrations.expiry import expiry_for
from registrations.models import Business
from renewals import terms
from renewals.models import FeeRate, RenewalCase, Term


class RenewalError(Exception):
    """A renewal step the rules do not allow; the message is for the desk."""


def terms_sync(*, business_ids: list[int] | None = None, changed_since=None) -> dict[str, int]:
    """Bring terms in step with the register, in three set-based statements.

    1. A business without a term gets one from its registration date to its expiry. Two
       syncs at once (two scans, a scan and an admin save) both see it without a term: the
       one that comes second skips it (ON CONFLICT on term_one_current, after waiting for
       the first to commit); rows in id order, so two syncs never wait on each other.
    2. A current, unlapsed term follows the business's expiry when an import changed it
       (the file's 有効期限 wins).
    3. A lapsed business whose register row shows a later registration gets a new term.

    4. Each business's copy of its expiry follows its current term (business_expiry_follow):
       where a term could not take the register's date (before the term's start, or a
       lapsed term), the term's date wins.

    `business_ids` limits the work to a few businesses (the admin after a save);
    `changed_since` to the businesses written since then (an import, in its own
    transaction; the daily scan: every write path sets `updated_at`, which is indexed).
    With neither, the whole register.
    """
    now = timezone.now()
    scope, params = _business_scope(business_ids, changed_since)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO renewals_term (business_id, starts_on, expires_on, origin, is_current, ended, created_at)
            SELECT b.id, b.registered_on, b.expires_on, 'registration', %s, '', %s
            FROM registrations_business b
            WHERE b.expires_on > b.registered_on
              AND {scope}
              AND NOT EXISTS (SELECT 1 FROM renewals_term t WHERE t.business_id = b.id)
            ORDER BY b.id
            ON CONFLICT DO NOTHING
            RETURNING id
            """,
            [True, connection.ops.adapt_datetimefield_value(now), *params],
        )
        # By the ids it returned, not by created_at: terms others wrote in the same instant are not these.
        created_ids = [row[0] for row in cursor.fetchall()]
        created = len(created_ids)
        for start in range(0, created, 5_000):
            history_record_bulk(
                Term.objects.filter(pk__in=created_ids[start : start + 5_000]),
                operation=reason(gettext_noop("terms sync")),
                history_type=CREATED,
            )
        cursor.execute(
            f"""
            UPDATE renewals_term SET expires_on = b.expires_on
            FROM registrations_business b
            WHERE b.id = renewals_term.business_id
              AND renewals_term.is_current AND renewals_term.ended = ''
              AND b.expires_on <> renewals_term.expires_on AND b.expires_on > renewals_term.starts_on
              AND {scope}
            RETURNING renewals_term.id
            """,
            params,
        )
        moved_ids = [row[0] for row in cursor.fetchall()]
        moved = len(moved_ids)
        for start in range(0, moved, 5_000):
            history_record_bulk(
                Term.objects.filter(pk__in=moved_ids[start : start + 5_000]),
                operation=reason(gettext_noop("terms sync")),
            )
    reregistered = 0
    # From the lapsed terms (a few percent of the register) to their businesses: a hash join.
    stale = Term.objects.filter(is_current=True, ended=Term.End.LAPSED, expires_on__lt=F("business__registered_on"))
    candidates = Business.objects.filter(pk__in=stale.values("business_id"))
    if business_ids is not None:
        candidates = candidates.filter(pk__in=business_ids)
    elif changed_since is not None:
        candidates = candidates.filter(updated_at__gte=changed_since)
    # A plain query, not .iterator(): a server-side cursor gets a fast-start (nested loop) plan.
    for business in list(candidates.only("pk", "registered_on", "expires_on")):
        with transaction.atomic():
            # Another sync (a second scan) may have registered it again while this one waited for the lock.
            Business.objects.select_for_update().filter(pk=business.pk).first()
            if not stale.filter(business_id=business.pk).exists():
                continue
            _term_restart(business=business, registered_on=business.registered_on, expires_on=business.expires_on)
        reregistered += 1
    copied = business_expiry_follow(
        business_ids=business_ids, changed_since=changed_since, operation=reason(gettext_noop("terms sync"))
    )
    return {"created": created, "moved": moved, "reregistered": reregistered, "copied": copied}


def _business_scope(business_ids: list[int] | None, changed_since, b: str = "b") -> tuple[str, list]:
    """Which businesses a set-based statement looks at, as a condition on `b` (registrations_business)."""
    if business_ids is not None:
        return f"{b}.id IN ({', '.join(['%s'] * len(business_ids)) or 'NULL'})", list(business_ids)
    if changed_since is not None:
        return f"{b}.updated_at >= %s", [connection.ops.adapt_datetimefield_value(changed_since)]
    return "1 = 1", []


def business_expiry_follow(
    *,
    business_ids: list[int] | None = None,
    changed_since=None,
    operation: str,
    user=None,
    reasons: dict[int, str] | None = None,
) -> int:
    """The one writer of `Business.expires_on`: the current term's expiry, copied; returns how many moved.

    The current Term is the truth of when a registration expires. The business row keeps
    a copy, indexed, because the register's list, its filters and the call queue sort and
    filter a million businesses on it without joining terms. Every path that writes a term
    (approval, re-registration, correction, the sync after an import or a desk save) calls
    this in its own transaction, so no reader ever sees the two apart. One set-based
    statement, each moved business kept in its history (under its own reason where
    `reasons`, by business id, gives one). Scope as terms_sync().
    """
    # The table by its name: SQLite's UPDATE … FROM takes no alias for the table it updates.
    scope, params = _business_scope(business_ids, changed_since, b="registrations_business")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE registrations_business SET expires_on = t.expires_on, updated_at = %s
            FROM renewals_term t
            WHERE t.business_id = registrations_business.id AND t.is_current
              AND registrations_business.expires_on <> t.expires_on
              AND {scope}
            RETURNING registrations_business.id
            """,
            [connection.ops.adapt_datetimefield_value(timezone.now()), *params],
        )
        moved_ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(moved_ids), 5_000):
            chunk = moved_ids[start : start + 5_000]
            history_record_bulk(
                Business.objects.filter(pk__in=chunk),
                operation=operation,
                user=user,
                reasons={pk: reasons[pk] for pk in chunk if pk in reasons} if reasons else None,
            )
    return len(moved_ids)


def check_date(model, name: str, value: datetime.date, business: Business) -> None:
    """The model field's own rules for a date the desk or a file gives (not in the future)."""
    field = model._meta.get_field(name)
    try:
        field.run_validators(value)
    except ValidationError as exc:
        raise RenewalError(
            _("%(business)s: %(field)s: %(problem)s")
            % {
                "business": f"{business.name} ({business.ccus_id})",
                "field": field.verbose_name,
                "problem": " ".join(exc.messages),
            }
        ) from exc


def current_term(business: Business) -> Term:
    """The business's current term; one it has no term for yet (just imported) gets it from the register."""
    term = current_terms([business.pk]).get(business.pk)
    if term is None:
        raise RenewalError(_("%(business)s has no registration term.") % {"business": business})
    return term


def current_terms(business_ids: list[int]) -> dict[int, Term]:
    """Each business's current term, by business id; those without one yet get it from the register."""
    found = {term.business_id: term for term in Term.objects.filter(business_id__in=business_ids, is_current=True)}
    missing = [pk for pk in business_ids if pk not in found]
    if missing:
        terms_sync(business_ids=missing)
        found |= {term.business_id: term for term in Term.objects.filter(business_id__in=missing, is_current=True)}
    return found


class FeeSchedule:
    """The fee schedule, read once: the amount in force on a date for a capital band."""

    def __init__(self):
        self.rates: dict[int, list[tuple[datetime.date, int]]] = {}
        for band, starts, amount in FeeRate.objects.order_by("capital_band", "-effective_from").values_list(
            "capital_band", "effective_from", "amount"
        ):
            self.rates.setdefault(band, []).append((starts, amount))

    def fee(self, *, capital_band: int, on: datetime.date) -> int:
        """The latest rate for the band that started on or before the date."""
        amount = next((amount for starts, amount in self.rates.get(capital_band, ()) if starts <= on), None)
        if amount is None:
            raise RenewalError(_("The fee schedule has no rate for this capital band on %(date)s.") % {"date": on})
        return amount


# The fields a refusal names a business by.
NAMED = ("name", "ccus_id")


def _named(business: Business) -> dict[str, str]:
    return {"business": f"{business.name} ({business.ccus_id})"}


def application_refusal(
    *, business: Business, term: Term | None, received_on: datetime.date, pending: bool, renewed: bool
) -> RenewalError | None:
    """Why an application received on a date cannot be recorded, or None: the rules, in the order the desk reads them.

    `pending`: the business has a pending application; `renewed`: its term has an approved one.
    """
    try:
        check_date(RenewalCase, "received_on", received_on, business)
    except RenewalError as error:
        return error
    if term is None:
        return RenewalError(_("%(business)s has no registration term.") % {"business": business})
    name = _named(business)
    if received_on > term.expires_on:
        return RenewalError(
            _(
                "%(business)s: the application date %(date)s is after the registration expired on %(expiry)s. "
                "An expired registration cannot be renewed: register the business again (再登録)."
            )
            % {**name, "date": received_on, "expiry": term.expires_on}
        )
    if term.ended == Term.End.LAPSED:
        return RenewalError(_("%(business)s has lapsed: it must register again, not renew.") % name)
    if received_on < terms.window_opens(term.expires_on):
        return RenewalError(
            _("%(business)s: renewal opens on %(date)s, six months before expiry.")
            % {**name, "date": terms.window_opens(term.expires_on)}
        )
    if pending:
        return RenewalError(_("%(business)s already has a pending application.") % name)
    if renewed:
        return RenewalError(_("%(business)s has already renewed this term.") % name)
    return None


@transaction.atomic
def renewal_record_application(
    *, business: Business, received_on: datetime.date, channel: str, user=None, note: str = ""
) -> RenewalCase:
    """Record a renewal application received on a date."""
    outcome = renewal_record_applications(received={business.pk: received_on}, channel=channel, user=user, note=note)
    if isinstance(outcome[business.pk], RenewalError):
        raise outcome[business.pk]
    return outcome[business.pk]


@transaction.atomic
def renewal_record_applications(
    *, received: dict[int, datetime.date], channel: str, user=None, note: str = ""
) -> dict[int, RenewalCase | RenewalError]:
    """Record applications for many businesses at once (business id → date received).

    Steps: lock the businesses (in id order), read their current terms, pending and
    approved applications and the fee schedule with a query each, check each business
    with application_refusal(), then insert the allowed applications and their history
    in one statement each. Returns, per business id, the new application or the refusal.
    """
    if not received:
        return {}
    ids = sorted(received)
    businesses = (
        Business.objects.select_for_update().filter(pk__in=ids).order_by("pk").only(*NAMED, "capital_band").in_bulk()
    )
    if len(businesses) < len(ids):
        raise Business.DoesNotExist(f"no business with id {sorted(set(ids) - set(businesses))}")
    current = current_terms(ids)
    pending = set(
        RenewalCase.objects.filter(business_id__in=ids, status=RenewalCase.Status.PENDING).values_list(
            "business_id", flat=True
        )
    )
    renewed = set(
        RenewalCase.objects.filter(
            term_id__in=[term.pk for term in current.values()], status=RenewalCase.Status.APPROVED
        ).values_list("term_id", flat=True)
    )
    schedule = FeeSchedule()
    outcome: dict[int, RenewalCase | RenewalError] = {}
    for pk in ids:
        business, term, received_on = businesses[pk], current.get(pk), received[pk]
        refusal = application_refusal(
            business=business,
            term=term,
            received_on=received_on,
            pending=pk in pending,
            renewed=term is not None and term.pk in renewed,
        )
        try:
            fee = schedule.fee(capital_band=business.capital_band, on=received_on) if refusal is None else 0
        except RenewalError as error:
            refusal = error
        outcome[pk] = refusal or RenewalCase(
            business=business,
            term=term,
            received_on=received_on,
            channel=channel,
            received_by=user,
            capital_band=business.capital_band,
            fee=fee,
            note=note,
        )
    cases = RenewalCase.objects.bulk_create([case for case in outcome.values() if isinstance(case, RenewalCase)])
    history_record_bulk(
        RenewalCase.objects.filter(pk__in=[case.pk for case in cases]),
        operation=reason(gettext_noop("renewal application received")),
        user=user,
        history_type=CREATED,
    )
    return outcome


def approval_refusal(*, case: RenewalCase, approved_on: datetime.date) -> RenewalError | None:
    """Why an application cannot be approved on a date, or None."""
    try:
        check_date(RenewalCase, "approved_on", approved_on, case.business)
    except RenewalError as error:
        return error
    if case.status != RenewalCase.Status.PENDING:
        return RenewalError(_("%(business)s: only a pending application can be approved.") % _named(case.business))
    if approved_on < case.received_on:
        return RenewalError(_("%(business)s: approval cannot come before the application.") % _named(case.business))
    return None


@transaction.atomic
def renewal_approve(*, case: RenewalCase, approved_on: datetime.date, user=None) -> Term:
    """Approve a pending application: the expiry moves five years on, however early."""
    outcome = renewal_approve_many(approved={case.pk: approved_on}, user=user)[case.pk]
    if isinstance(outcome, RenewalError):
        raise outcome
    return outcome


@transaction.atomic
def renewal_approve_many(*, approved: dict[int, datetime.date], user=None) -> dict[int, Term | RenewalError]:
    """Approve many pending applications at once (application id → date approved).

    Steps: lock the applications with their terms and businesses (in id order), check
    each with approval_refusal(); then, for the approved ones, a statement each: end the
    old terms, insert the new ones (expiry five years on, however early), mark the
    applications approved, and copy the new expiries to the businesses
    (business_expiry_follow). Every changed row is kept in its history under the reason
    "renewal approved: application N". Returns, per application id, the new term or the refusal.
    """
    if not approved:
        return {}
    cases = list(
        RenewalCase.objects.select_for_update()
        .select_related("term", "business")
        .filter(pk__in=approved)
        .order_by("pk")
    )
    if len(cases) < len(approved):
        raise RenewalCase.DoesNotExist(f"no application with id {sorted(set(approved) - {c.pk for c in cases})}")
    outcome: dict[int, Term | RenewalError] = {}
    allowed = []
    for case in cases:
        refusal = approval_refusal(case=case, approved_on=approved[case.pk])
        if refusal is None:
            allowed.append(case)
        else:
            outcome[case.pk] = refusal
    if not allowed:
        return outcome
    operations = {
        case.pk: reason(gettext_noop("renewal approved: application %(case)s"), case=case.pk) for case in allowed
    }
    old_terms = Term.objects.filter(pk__in=[case.term_id for case in allowed])
    old_terms.update(is_current=False, ended=Term.End.RENEWED)
    first = next(iter(operations.values()))
    history_record_bulk(
        old_terms, operation=first, user=user, reasons={case.term_id: operations[case.pk] for case in allowed}
    )
    new_terms = Term.objects.bulk_create(
        [
            Term(
                business_id=case.business_id,
                starts_on=case.term.expires_on + datetime.timedelta(days=1),
                expires_on=terms.expiry_after_renewal(case.term.expires_on),
                origin=Term.Origin.RENEWAL,
            )
            for case in allowed
        ]
    )
    history_record_bulk(
        Term.objects.filter(pk__in=[term.pk for term in new_terms]),
        operation=first,
        user=user,
        history_type=CREATED,
        reasons={term.pk: operations[case.pk] for case, term in zip(allowed, new_terms, strict=True)},
    )
    for case, term in zip(allowed, new_terms, strict=True):
        outcome[case.pk] = term
    _cases_mark_approved(
        {case.pk: (approved[case.pk], term.pk) for case, term in zip(allowed, new_terms, strict=True)}, user=user
    )
    history_record_bulk(RenewalCase.objects.filter(pk__in=operations), operation=first, user=user, reasons=operations)
    business_expiry_follow(
        business_ids=[case.business_id for case in allowed],
        operation=first,
        user=user,
        reasons={case.business_id: operations[case.pk] for case in allowed},
    )
    return outcome


def _cases_mark_approved(approvals: dict[int, tuple[datetime.date, int]], *, user) -> None:
    """One UPDATE … FROM VALUES: each application (id → date approved, new term id) approved by `user`."""
    rows = ", ".join(["(%s, %s, %s)"] * len(approvals))
    params = [value for pk, (approved_on, term_pk) in approvals.items() for value in (pk, approved_on, term_pk)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE renewals_renewalcase SET status = %s, approved_on = a.column2, new_term_id = a.column3,
                approved_by_id = %s
            FROM (VALUES {rows}) a
            WHERE renewals_renewalcase.id = a.column1
            """,
            [RenewalCase.Status.APPROVED, getattr(user, "pk", None), *params],
        )


@transaction.atomic
def renewal_withdraw(*, case: RenewalCase, user=None) -> None:
    updated = update_with_history(
        RenewalCase.objects.filter(pk=case.pk, status=RenewalCase.Status.PENDING),
        operation=reason(gettext_noop("application withdrawn")),
        user=user,
        status=RenewalCase.Status.WITHDRAWN,
    )
    if not updated:
        raise RenewalError(_("Only a pending application can be withdrawn."))


@transaction.atomic
def business_close(*, business: Business, ended: str, closed_on: datetime.date, user=None) -> Term:
    """The desk confirmed that a business closed (廃業) or merged (合併) on a date: its current
    term ends so, is never counted as a lapse, and the reminder ladder leaves it alone."""
    if ended not in (Term.End.CLOSED, Term.End.MERGED):
        raise ValueError(ended)
    business = Business.objects.select_for_update().get(pk=business.pk)
    name = {"business": f"{business.name} ({business.ccus_id})"}
    if closed_on > timezone.localdate():
        raise RenewalError(_("%(business)s: the date of closing or merging must not be in the future.") % name)
    term = current_term(business)
    if term.ended in (Term.End.CLOSED, Term.End.MERGED):
        raise RenewalError(_("%(business)s is already recorded as closed or merged.") % name)
    message = gettext_noop("closed on %(date)s") if ended == Term.End.CLOSED else gettext_noop("merged on %(date)s")
    operation = reason(message, date=closed_on)
    update_with_history(Term.objects.filter(pk=term.pk), operation=operation, user=user, ended=ended)
    term.refresh_from_db()
    return term


def mark_lapsed(*, today: datetime.date) -> int:
    """Record every expired term without a pending application as lapsed; returns how many.

    Set-based, each lapsed term kept in its history; running it again the same day, or
    twice at once, changes nothing more.
    """
    pending = RenewalCase.objects.filter(business=OuterRef("business"), status=RenewalCase.Status.PENDING)
    expired = Term.objects.filter(is_current=True, ended="", expires_on__lt=today).exclude(Exists(pending))
    return update_with_history(
        expired,
        operation=reason(gettext_noop("lapsed on %(date)s"), date=today),
        ended=Term.End.LAPSED,
        lapse_recorded_on=today,
    )


def registration_restart(*, business: Business, registered_on: datetime.date) -> Term:
    """A lapsed business registers again at the desk, on a date that has come (not in the future)."""
    check_date(Business, "registered_on", registered_on, business)
    return _term_restart(business=business, registered_on=registered_on)


@transaction.atomic
def _term_restart(*, business: Business, registered_on: datetime.date, expires_on: datetime.date | None = None) -> Term:
    """A new term after a lapse; the old ones stay as history.

    The expiry is computed from the registration date unless the register gives one.
    terms_sync() calls this for what the register already holds (checked when written).
    """
    business = Business.objects.select_for_update().get(pk=business.pk)
    old = Term.objects.filter(business=business, is_current=True).first()
    if old and not (old.ended == Term.End.LAPSED or old.expires_on < registered_on):
        raise RenewalError(
            _("%(business)s has not lapsed: renew it instead.") % {"business": f"{business.name} ({business.ccus_id})"}
        )
    if old:
        update_with_history(
            Term.objects.filter(pk=old.pk),
            operation=reason(gettext_noop("registered again")),
            is_current=False,
            ended=old.ended or Term.End.LAPSED,
        )
    if not expires_on or expires_on <= registered_on:
        expires_on = expiry_for(registered_on)
    term = Term.objects.create(
        business=business, starts_on=registered_on, expires_on=expires_on, origin=Term.Origin.REREGISTRATION
    )
    update_with_history(
        Business.objects.filter(pk=business.pk).exclude(registered_on=registered_on),
        operation=reason(gettext_noop("registered again")),
        registered_on=registered_on,
        updated_at=timezone.now(),
    )
    business_expiry_follow(business_ids=[business.pk], operation=reason(gettext_noop("registered again")))
    return term
