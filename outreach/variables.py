"""The values notice wording may use: VARIABLES, the one list of them, their help text and the check.

Strings built from the business's own fields, the dates and the desk's contact, and
nothing else (outreach.wording fills them in). The help text in the admin, the check on
saving a template and the values at rendering all come from VARIABLES.

`today` is the day the notice goes out: the sending day of an e-mail, the posting day
of a postcard. Paper is read days later, so postcards use dates chosen for the
situation on that day (outreach.deadlines) and never a day count or a date that may be
gone by then (NOT_ON_PAPER).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outreach import deadlines, wording
from outreach.deadlines import Situation
from outreach.desk import desk_phone
from registrations.models import Business

# Characters that end a line somewhere (str.splitlines): none may reach a mail header.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


@dataclass(frozen=True)
class Source:
    business: Business
    expires_on: datetime.date
    today: datetime.date


def japanese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# What a notice asks for, by the situation on the day it goes out (Japanese, as sent).
REQUESTS = {
    Situation.BEFORE_WINDOW: (
        "更新申請は{opens}から受け付けます。受付が始まりましたら、{renew_by}までに更新申請をお願いいたします。"
    ),
    Situation.WINDOW_OPEN: "更新申請を受け付けています。{renew_by}までに更新申請をお願いいたします。",
    Situation.LAST_WEEKS: "有効期限が迫っています。有効期限の{expires_on}までに、至急、更新申請をお願いいたします。",
    Situation.LAPSED: (
        "事業者登録は有効期限を過ぎて失効しています。"
        "引き続きCCUSをご利用いただくには、再登録（新規の事業者登録）のお手続きをお願いいたします。"
    ),
}
# Variables whose value goes stale between printing and reading: refused on postcards.
NOT_ON_PAPER = ("days_left", "renew_by")
POSTCARD = "postcard"  # outreach.models.Channel.POSTCARD (models import this module)


def renewal_request(s: Source) -> str:
    expires_on = s.expires_on
    return REQUESTS[deadlines.situation_on(expires_on, s.today)].format(
        opens=japanese_date(deadlines.window_opens(expires_on)),
        renew_by=japanese_date(deadlines.renew_by(expires_on)),
        expires_on=japanese_date(expires_on),
    )


def apply_by(s: Source) -> str:
    day = deadlines.apply_by(s.expires_on, s.today)
    return japanese_date(day) if day else ""


def lapsed(s: Source) -> bool:
    return deadlines.situation_on(s.expires_on, s.today) is Situation.LAPSED


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
    "days_left": (
        gettext_lazy("days left until expiry (e-mails and calls only, not on postcards)"),
        lambda s: str((s.expires_on - s.today).days),
    ),
    "renew_by": (
        gettext_lazy("last day of the month before expiry (not on postcards: use apply_by)"),
        lambda s: japanese_date(deadlines.renew_by(s.expires_on)),
    ),
    "apply_by": (
        gettext_lazy(
            "the date to apply by, never past on the day the notice goes out: the last day of the month "
            "before expiry, in the last weeks the expiry date itself; empty after expiry"
        ),
        apply_by,
    ),
    "renewal_request": (
        gettext_lazy(
            "the request for the business's situation on the day the notice goes out (the posting date "
            "of a postcard): renewal opens on a date / open, apply by a date / last weeks, apply now by "
            "the expiry date / lapsed, register again (再登録)"
        ),
        renewal_request,
    ),
    "application": (
        gettext_lazy("what to apply for: 更新申請 before expiry, 再登録 after"),
        lambda s: "再登録" if lapsed(s) else "更新申請",
    ),
    "expiry_line": (
        gettext_lazy("有効期限：<date>, or 登録状況：失効（再登録が必要です） after expiry"),
        lambda s: "登録状況：失効（再登録が必要です）" if lapsed(s) else f"有効期限：{japanese_date(s.expires_on)}",
    ),
    "desk_phone": (
        gettext_lazy("the desk's phone number (DESK_PHONE; empty while not set)"),
        lambda s: desk_phone(),
    ),
    "desk_email": (gettext_lazy("the desk's e-mail address"), lambda s: desk_email()),
    "renewal_url": (gettext_lazy("where to apply for renewal (URL)"), lambda s: settings.RENEWAL_URL),
}


def _help_text() -> str:
    listed = "、".join(f"{{{{ {name} }}}}: {label}" for name, (label, _value) in VARIABLES.items())
    return _(
        "Plain text. Write a variable as {{ name }}; tags ({%% … %%}), filters (|) and other names are "
        "refused. Variables: %(variables)s. Postcards are read days after printing: on them "
        "%(not_on_paper)s are refused, and a postcard that falls back from an e-mail using them is "
        "left out of its batch; use renewal_request or apply_by, which never give a past date."
    ) % {"variables": listed, "not_on_paper": "、".join(NOT_ON_PAPER)}


HELP_TEXT = lazy(_help_text, str)()


def problems(text: str, *, channel: str = "") -> list[str]:
    """Why a template text cannot be used (Japanese, one entry per problem); empty when it can."""
    found = wording.problems(text, VARIABLES)
    if channel == POSTCARD:
        used = wording.names_in(text)
        found += [
            _("“%(name)s” cannot be used on postcards: it may be out of date when the card arrives.") % {"name": name}
            for name in NOT_ON_PAPER
            if name in used
        ]
    return found


def values(*, business: Business, expires_on: datetime.date, today: datetime.date) -> dict[str, str]:
    source = Source(business=business, expires_on=expires_on, today=today)
    return {name: str(value(source) or "") for name, (_label, value) in VARIABLES.items()}
