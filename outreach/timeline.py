"""The contact timeline in words, for the business page and the call screen."""

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from outreach import selectors
from outreach.models import CallOutcome, Channel, Notice, PostcardBatch
from renewals.models import RenewalCase


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value


def _notice(event):
    reason = _label(Notice.Reason, event.c) if event.c in Notice.Reason.values else event.c
    return _label(Channel, event.a), _label(Notice.Status, event.b), reason


def _call(event):
    return _("call"), _label(CallOutcome, event.a), " ".join(filter(None, [event.b, event.c]))


def _bounce(event):
    return _("e-mail bounce"), event.a, event.b


def _application(event):
    return _("renewal application"), _label(RenewalCase.Status, event.b), _label(RenewalCase.Channel, event.a)


def _approval(event):
    return _("renewal approved"), _("new expiry %(date)s") % {"date": event.a}, ""


def _lapse(event):
    return _("lapsed"), _("expired on %(date)s") % {"date": event.a}, ""


def _returned_mail(event):
    batch = _("print batch #%(id)s") % {"id": event.a} if event.a else ""
    return _("returned mail (宛所不明)"), _("address flagged undeliverable"), batch


def _postcard_batch(event):
    return _("postcard print batch"), _label(PostcardBatch.Status, event.b), f"#{event.a}"


def _prime_list(event):
    delivered = _("delivered") if event.c else _("not delivered yet")
    return (
        _("on a prime's subcontractor list"),
        delivered,
        _("%(prime)s (tier %(tier)s)")
        % {
            "prime": event.a,
            "tier": event.b,
        },
    )


# One formatter per kind in selectors.TIMELINE_SOURCES: (what, result, details).
FORMATTERS = {
    "notice": _notice,
    "call": _call,
    "bounce": _bounce,
    "application": _application,
    "approval": _approval,
    "lapse": _lapse,
    "returned_mail": _returned_mail,
    "postcard_batch": _postcard_batch,
    "prime_list": _prime_list,
}


def render_timeline(business_id: int) -> str:
    rows = [
        {"event": event, "words": FORMATTERS[event.kind](event)}
        for event in selectors.contact_timeline(business_id=business_id)
        if event.kind in FORMATTERS
    ]
    return render_to_string("admin/outreach/timeline.html", {"rows": rows})
