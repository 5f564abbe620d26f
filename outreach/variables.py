"""The values notice wording may use: VARIABLES, the one list of them, their help text and the check.

Strings built from the business's own fields, the dates and the desk's contact, and
nothing else (outreach.wording fills them in). The help text in the admin, the check on
saving a template and the values at rendering all come from VARIABLES.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outreach import wording
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
