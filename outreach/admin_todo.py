"""What each role has to do today: the admin home's to-do list, one selector per role.

Each item is a count (or a short note) with a link to the page that lists exactly those rows.
The counts read each app's selectors through indexed filters and stop at ccus.paginator's cap,
so the home page stays a handful of small queries on a register of a million businesses. An item
is offered only to someone who may open its page. Like every admin module this is the composition
layer: it may read any app.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ccus import roles
from ccus.paginator import COUNT_CAP, capped_count
from ccus.stale_schedules import stale_schedules
from outreach import selectors as core_selectors
from outreach.lists import scoping
from outreach.lists import selectors as list_selectors
from outreach.models import Answer, CallTask, LapseModel, RenewalCheck
from outreach.postcards import selectors as postcard_selectors
from outreach.reports import snapshots
from registrations.models import Business
from renewals import selectors as renewal_selectors
from renewals.models import RenewalStatus

# Association staff: members whose registration expires within this many days (a 残り日数 filter bucket).
MEMBERS_EXPIRING_DAYS = 90


@dataclass(frozen=True)
class Item:
    """One line of the to-do list: `count` rows (None: `note` only) on the page at `url`."""

    label: str
    url: str
    count: int | None = None
    note: str = ""

    @property
    def over_cap(self) -> bool:
        return self.count is not None and self.count > COUNT_CAP

    @property
    def shown_count(self) -> int | None:
        return min(self.count, COUNT_CAP) if self.count is not None else None


def _link(name: str, args=None, **query) -> str:
    url = reverse(f"admin:{name}", args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _local(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def _counted(user, permission: str, label: str, url: str, rows) -> list[Item]:
    """One counted line, for someone who may open its list (the rows are counted only then)."""
    return [Item(label, url, capped_count(rows))] if user.has_perm(permission) else []


def desk_todo(user, *, now: datetime.datetime) -> list[Item]:
    """登録窓口: applications to approve, notices that may not have gone out, returned mail,
    businesses that told an operator they had applied, and businesses' answers to decide."""
    return [
        *_counted(
            user,
            "renewals.view_renewalcase",
            _("Renewal applications to approve"),
            _link("renewals_renewalcase_changelist", status__exact="pending"),
            renewal_selectors.pending_applications(),
        ),
        *_counted(
            user,
            "outreach.view_notice",
            _("Notices that may not have gone out (check and resolve)"),
            _link("outreach_notice_changelist", status__exact="uncertain"),
            core_selectors.uncertain_notices(),
        ),
        *_counted(
            user,
            "outreach.view_returnedmail",
            _("Returned mail whose address is not corrected yet"),
            _link("outreach_returnedmail_changelist", address="flagged"),
            postcard_selectors.returned_mail_unhandled(),
        ),
        *_counted(
            user,
            "outreach.view_renewalcheck",
            _("Businesses that told the phone desk they applied: check their renewal"),
            _link("outreach_renewalcheck_changelist"),
            RenewalCheck.objects.filter(checked_at__isnull=True),
        ),
        *_counted(
            user,
            "outreach.view_answer",
            _("Answers from businesses to confirm or reject"),
            _link("outreach_answer_changelist", status="pending"),
            Answer.objects.filter(status=Answer.Status.PENDING),
        ),
    ]


def operator_todo(user, *, now: datetime.datetime) -> list[Item]:
    """電話オペレーター: calls due now, and the callbacks this operator promised."""
    if not user.has_perm("outreach.view_calltask"):
        return []
    open_tasks = CallTask.objects.filter(status=CallTask.Status.OPEN)
    due_at = timezone.localtime(now).isoformat(timespec="seconds")
    promised = open_tasks.filter(kind=CallTask.Kind.CALLBACK, assigned_to=user).aggregate(
        n=Count("pk"), first=Min("due_at")
    )
    note = _("next at %(time)s") % {"time": _local(promised["first"])} if promised["first"] else ""
    return [
        Item(
            _("Calls due now"),
            _link("outreach_calltask_changelist", due_at__lte=due_at),
            capped_count(open_tasks.filter(due_at__lte=now)),
        ),
        Item(
            _("Callbacks you promised"),
            _link("outreach_calltask_changelist", kind__exact="callback", assigned_to__id__exact=user.pk),
            promised["n"],
            note,
        ),
    ]


def _progress_items(user) -> list[Item]:
    """The fiscal year against its target, as the dashboard's latest snapshot has it (never computed here)."""
    if not user.has_perm("outreach.view_dashboard"):
        return []
    url = _link("outreach_dashboard_changelist")
    snapshot = snapshots.latest()
    if snapshot is None:
        return [Item(_("Progress of the year"), url, note=_("not computed yet: open the dashboard"))]
    progress = snapshots.dashboard_from(snapshot)["progress"]
    target = progress["target"]
    as_of = _("as of %(time)s") % {"time": _local(snapshot.computed_at)}
    lines = [
        (_("Renewal applications this fiscal year"), progress["renewals"]["count"], "renewals", "renewals_share"),
        (
            _("New registrations this fiscal year"),
            progress["registrations"]["count"],
            "new_registrations",
            "registrations_share",
        ),
    ]
    items = []
    for label, count, target_field, share in lines:
        if target is None:
            note = _("no target set; %(as_of)s") % {"as_of": as_of}
        else:
            note = _("of a target of %(target)s (%(share).1f%%); %(as_of)s") % {
                "target": formats.number_format(getattr(target, target_field), force_grouping=True),
                "share": progress[share] * 100,
                "as_of": as_of,
            }
        items.append(Item(label, url, count, note))
    return items


def _lapse_model_items(user) -> list[Item]:
    """A warning when the latest lapse model's file failed to load: the call queue is back in expiry order."""
    if not user.has_perm("outreach.view_lapsemodel"):
        return []
    latest = LapseModel.objects.only("pk", "load_error").first()
    if latest is None or not latest.load_error:
        return []
    return [
        Item(
            _("The lapse risk model cannot be loaded: calls are ordered by expiry date"),
            _link("outreach_lapsemodel_change", [latest.pk]),
            note=latest.load_error[:200],
        )
    ]


def supervisor_todo(user, *, now: datetime.datetime) -> list[Item]:
    """監督者 (and 管理者): the year against its target, batches to print, lists to deliver, stopped schedules,
    and a lapse model that failed to load."""
    items = [
        *_progress_items(user),
        *_counted(
            user,
            "outreach.view_postcardbatch",
            _("Postcard batches ready to print"),
            _link("outreach_postcardbatch_changelist", status__exact="ready"),
            postcard_selectors.batches_to_print(),
        ),
        *_counted(
            user,
            "outreach.view_subcontractorlist",
            _("Subcontractor lists built but not delivered"),
            _link("outreach_subcontractorlist_changelist", status__exact="done", delivered_at__isnull="True"),
            list_selectors.lists_to_deliver(),
        ),
    ]
    items.extend(_lapse_model_items(user))
    if user.has_perm("django_celery_beat.view_periodictask"):
        stale = stale_schedules(now=now)
        items.append(
            Item(
                _("Schedules disabled or not run on time"),
                _link("django_celery_beat_periodictask_changelist", state="stale"),
                len(stale),
                ", ".join(task.name for task in stale[:3]) + (" …" if len(stale) > 3 else ""),
            )
        )
    return items


def association_todo(user, *, now: datetime.datetime) -> list[Item]:
    """団体職員: their members expiring soon without an application, and their latest list."""
    items = []
    if user.has_perm("registrations.view_business"):
        today = timezone.localdate(now)
        members = scoping.scoped(Business.objects.all(), user)
        expiring = renewal_selectors.expiring_unapplied(members, today=today, days=MEMBERS_EXPIRING_DAYS)
        items.append(
            Item(
                _("Members expiring within %(days)s days without an application") % {"days": MEMBERS_EXPIRING_DAYS},
                _link(
                    "registrations_business_changelist",
                    days_left=MEMBERS_EXPIRING_DAYS,
                    renewal_status=RenewalStatus.WINDOW_OPEN.value,
                ),
                capped_count(expiring),
            )
        )
    if user.has_perm("outreach.view_subcontractorlist"):
        latest = list_selectors.latest_list(user)
        if latest is None:
            url = _link("outreach_subcontractorlist_changelist")
            items.append(Item(_("Latest subcontractor list"), url, note=_("none yet")))
        else:
            note = _("%(target)s as of %(date)s: %(status)s, %(rows)s rows") % {
                "target": latest.prime.name if latest.prime_id else latest.association.name,
                "date": latest.as_of.isoformat(),
                "status": latest.get_status_display(),
                "rows": formats.number_format(latest.row_count, force_grouping=True),
            }
            items.append(
                Item(
                    _("Latest subcontractor list"), _link("outreach_subcontractorlist_change", [latest.pk]), None, note
                )
            )
    return items


# Each role's title on the home page and its to-do selector; administrators see the supervisors' list.
TODO = {
    roles.ADMINISTRATOR: supervisor_todo,
    roles.SUPERVISOR: supervisor_todo,
    roles.DESK: desk_todo,
    roles.OPERATOR: operator_todo,
    roles.ASSOCIATION_STAFF: association_todo,
}


def roles_of(user) -> list[str]:
    """The user's roles, most senior first; a superuser counts as an administrator."""
    held = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        held.add(roles.ADMINISTRATOR)
    return [role for role in TODO if role in held]


def todo(user, *, now: datetime.datetime) -> list[tuple[str, list[Item]]]:
    """(role, its items) for each role the user holds; a selector shared by two roles runs once."""
    sections, done = [], set()
    for role in roles_of(user):
        selector = TODO[role]
        if selector not in done:
            done.add(selector)
            sections.append((role, selector(user, now=now)))
    return sections
