"""Notice wording: the admin-editable template rendered inside a layout from templates/outreach/."""

import datetime

from django.conf import settings
from django.template import Context, Template
from django.template.loader import render_to_string

from outreach.models import Notice, NoticeTemplate

LAYOUTS = {
    "email": "outreach/email.txt",
    "postcard": "outreach/postcard.txt",
    "phone": "outreach/phone.txt",
    "prime_list": "outreach/email.txt",
}


def notice_context(*, business, expires_on: datetime.date, today: datetime.date) -> dict:
    return {
        "business": business,
        "ccus_id": business.ccus_id,
        "expires_on": expires_on,
        "days_left": (expires_on - today).days,
        "renew_by": expires_on.replace(day=1) - datetime.timedelta(days=1),
        "desk_phone": settings.DESK_PHONE,
        "renewal_url": settings.RENEWAL_URL,
    }


def render(template: NoticeTemplate, *, channel: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a template for a business, with the channel's layout around the body."""
    subject = Template(template.subject).render(Context(context, autoescape=False)).strip()
    inner = Template(template.body).render(Context(context, autoescape=False)).strip()
    body = render_to_string(LAYOUTS[channel], {**context, "message": inner}).strip() + "\n"
    return subject, body


def render_notice(notice: Notice, *, today: datetime.date) -> tuple[str, str]:
    expires_on = notice.term.expires_on if notice.term_id else notice.business.expires_on
    context = notice_context(business=notice.business, expires_on=expires_on, today=today)
    return render(notice.template, channel=notice.channel, context=context)
