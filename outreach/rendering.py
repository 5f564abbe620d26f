"""Notice wording: the admin-editable text filled with plain values, inside a layout from templates/outreach/.

What staff write (a template's subject and body, a step's call script) is filled by
outreach.wording against the values of outreach.variables and nothing else. The
sender, the print batch, the call screen and the admin preview all go through
`render`/`call_script`, so the preview is what is sent.
"""

import datetime

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from outreach import answer_links, wording
from outreach.models import Channel, Notice, NoticeTemplate
from outreach.variables import LINE_BREAKS, values
from registrations.models import Business

LAYOUTS = {
    "email": "outreach/email.txt",
    "postcard": "outreach/postcard.txt",
    "phone": "outreach/phone.txt",
    "prime_list": "outreach/email.txt",
}


class RenderError(Exception):
    """The wording cannot be filled for this notice; the message (Japanese) says why."""


def _fill(text: str, context: dict[str, str], part: str) -> str:
    try:
        return wording.fill(text, context).strip()
    except wording.WordingError as error:
        raise RenderError(f"{part}: {error}") from error


def render(
    template: NoticeTemplate,
    *,
    channel: str,
    business: Business,
    expires_on: datetime.date,
    today: datetime.date,
    answer_url: str = "",
) -> tuple[str, str]:
    """(subject, body) of a template for a business, with the channel's layout around the body.

    `answer_url`: the notice's answer page (outreach.answer_links), which the e-mail layout prints.

    Raises RenderError when the wording cannot be filled or an e-mail's subject (a mail
    header) would span lines.
    """
    context = values(business=business, expires_on=expires_on, today=today)
    subject = _fill(template.subject, context, _("subject"))
    if channel == "email" and LINE_BREAKS.intersection(subject):
        raise RenderError(_("subject: the subject would contain a line break."))
    inner = _fill(template.body, context, _("body"))
    # The layout is a file of the code, not staff's text; it too sees only the plain values.
    body = render_to_string(LAYOUTS[channel], {**context, "message": inner, "answer_url": answer_url}).strip() + "\n"
    return subject, body


def expiry_of(notice: Notice) -> datetime.date:
    return notice.term.expires_on if notice.term_id else notice.business.expires_on


def render_notice(notice: Notice, *, today: datetime.date) -> tuple[str, str]:
    """The notice's text; an e-mail (and a postcard, whose QR code carries it) to the business
    itself has a freshly signed link to its answer page."""
    answer_url = answer_links.url_for(notice) if notice.channel in (Channel.EMAIL, Channel.POSTCARD) else ""
    return render(
        notice.template,
        channel=notice.channel,
        business=notice.business,
        expires_on=expiry_of(notice),
        today=today,
        answer_url=answer_url,
    )


def call_script(notice: Notice, *, today: datetime.date) -> str:
    """What the operator reads out: the step's call script, else the template's body."""
    text = (notice.step.call_script if notice.step_id else "") or notice.template.body
    context = values(business=notice.business, expires_on=expiry_of(notice), today=today)
    return _fill(text, context, _("call script"))
