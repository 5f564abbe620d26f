"""Notice wording: the admin-editable text filled with plain values, inside a layout from templates/outreach/.

What staff write (a template's subject and body, a step's call script) is filled by
outreach.wording against the values below and nothing else: strings built here from
the business's own fields, the dates and the desk's contact. VARIABLES is the one list
of them: the help text in the admin, the check on saving and the values come from it.
The sender, the print batch, the call screen and the admin preview all go through
`render`/`call_script`, so the preview is what is sent.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outreach import wording

if TYPE_CHECKING:
    from outreach.models import Notice, NoticeTemplate
    from registrations.models import Business

LAYOUTS = {
    "email": "outreach/email.txt",
    "postcard": "outreach/postcard.txt",
    "phone": "outreach/phone.txt",
    "prime_list": "outreach/email.txt",
}
# Characters that end a line somewhere (str.splitlines): none may reach a mail header.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


class RenderError(Exception):
    """The wording cannot be filled for this notice; the message (Japanese) says why."""


@dataclass(frozen=True)
class Source:
    business: Business
    expires_on: datetime.date
    today: datetime.date


def japanese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def renew_by(expires_on: datetime.date) -> datetime.date:
    """The last day of the month before expiry: the date notices ask the application by."""
    return expires_on.replace(day=1) - datetime.timedelta(days=1)


def desk_email() -> str:
    """Where businesses write to: the reply address of notices, else their sender's address."""
    return (settings.EMAIL_REPLY_TO or [parseaddr(settings.DEFAULT_FROM_EMAIL)[1]])[0]


# name → (what it is, for the editor; its value). The only values wording can reach.
VARIABLES: dict[str, tuple[str, Callable[[Source], str]]] = {
    "business_name": (gettext_lazy("trade name (商号)"), lambda s: s.business.name),
    "ccus_id": (gettext_lazy("business ID (事業者ID)"), lambda s: s.business.ccus_id),
    "representative": (gettext_lazy("representative (代表者名)"), lambda s: s.business.representative),
    "contact_person": (gettext_lazy("contact person"), lambda s: s.business.contact_person),
    "expires_on": (gettext_lazy("expiry date, e.g. 2027年1月31日"), lambda s: japanese_date(s.expires_on)),
    "days_left": (gettext_lazy("days left until expiry"), lambda s: str((s.expires_on - s.today).days)),
    "renew_by": (
        gettext_lazy("apply by (last day of the month before expiry)"),
        lambda s: japanese_date(renew_by(s.expires_on)),
    ),
    "desk_phone": (gettext_lazy("the desk's phone number"), lambda s: settings.DESK_PHONE),
    "desk_email": (gettext_lazy("the desk's e-mail address"), lambda s: desk_email()),
    "renewal_url": (gettext_lazy("where to apply for renewal (URL)"), lambda s: settings.RENEWAL_URL),
}


def _help_text() -> str:
    listed = "、".join(f"{{{{ {name} }}}}: {label}" for name, (label, _value) in VARIABLES.items())
    return _(
        "Plain text. Write a variable as {{ name }}; tags ({%% … %%}), filters (|) and other names are "
        "refused. Variables: %(variables)s."
    ) % {"variables": listed}


HELP_TEXT = lazy(_help_text, str)()


def problems(text: str) -> list[str]:
    """Why a template text cannot be used (Japanese, one entry per problem); empty when it can."""
    return wording.problems(text, VARIABLES)


def values(*, business: Business, expires_on: datetime.date, today: datetime.date) -> dict[str, str]:
    source = Source(business=business, expires_on=expires_on, today=today)
    return {name: str(value(source) or "") for name, (_label, value) in VARIABLES.items()}


def _fill(text: str, context: dict[str, str], part: str) -> str:
    try:
        return wording.fill(text, context).strip()
    except wording.WordingError as error:
        raise RenderError(f"{part}: {error}") from error


def render(
    template: NoticeTemplate, *, channel: str, business: Business, expires_on: datetime.date, today: datetime.date
) -> tuple[str, str]:
    """(subject, body) of a template for a business, with the channel's layout around the body.

    Raises RenderError when the wording cannot be filled or an e-mail's subject (a mail
    header) would span lines.
    """
    context = values(business=business, expires_on=expires_on, today=today)
    subject = _fill(template.subject, context, _("subject"))
    if channel == "email" and LINE_BREAKS.intersection(subject):
        raise RenderError(_("subject: the subject would contain a line break."))
    inner = _fill(template.body, context, _("body"))
    # The layout is a file of the code, not staff's text; it too sees only the plain values.
    body = render_to_string(LAYOUTS[channel], {**context, "message": inner}).strip() + "\n"
    return subject, body


def expiry_of(notice: Notice) -> datetime.date:
    return notice.term.expires_on if notice.term_id else notice.business.expires_on


def render_notice(notice: Notice, *, today: datetime.date) -> tuple[str, str]:
    return render(
        notice.template, channel=notice.channel, business=notice.business, expires_on=expiry_of(notice), today=today
    )


def call_script(notice: Notice, *, today: datetime.date) -> str:
    """What the operator reads out: the step's call script, else the template's body."""
    text = (notice.step.call_script if notice.step_id else "") or notice.template.body
    context = values(business=notice.business, expires_on=expiry_of(notice), today=today)
    return _fill(text, context, _("call script"))
