"""Which channel reaches a business: the one table of why a channel cannot, and the policy's fallbacks.

`UNREACHABLE` is the only statement of the rule. The daily scan turns it into SQL
(`sql_usable`, `sql_reason`), the sender and the desk's actions into a check of one
business (`unusable_reason`), the postcard batch into a check of the rows it reads
(`unusable_reason_of`); the batch then adds what only Japan Post's data can tell
(outreach.postcards.printing.exclusion_reason).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from outreach import business_days
from outreach.models import Channel, Notice, ReminderPolicy
from registrations.models import Business

BLANK = "blank"  # the field holds nothing (no address, no number)
SET = "set"  # a date was recorded (asked not to be contacted, bounced, returned)


@dataclass(frozen=True)
class Rule:
    """A channel cannot reach a business whose `field` is blank, or set, for `reason`."""

    field: str
    when: str
    reason: str

    def fails(self, value: Any) -> bool:
        return not value if self.when == BLANK else value is not None

    def sql(self, alias: str) -> str:
        column = Business._meta.get_field(self.field).column
        return f"{alias}.{column} = ''" if self.when == BLANK else f"{alias}.{column} IS NOT NULL"


# Per channel, in order: the first rule that fails is the reason given.
UNREACHABLE: dict[str, tuple[Rule, ...]] = {
    Channel.EMAIL: (
        Rule("email", BLANK, Notice.Reason.NO_EMAIL),
        Rule("do_not_email_since", SET, Notice.Reason.DO_NOT_EMAIL),
        Rule("email_bounced_since", SET, Notice.Reason.EMAIL_BOUNCED),
    ),
    Channel.POSTCARD: (
        Rule("address_undeliverable_since", SET, Notice.Reason.UNDELIVERABLE),
        Rule("postal_code", BLANK, Notice.Reason.NO_POSTAL_CODE),
    ),
    Channel.PHONE: (
        Rule("phone_digits", BLANK, Notice.Reason.NO_PHONE),
        Rule("do_not_call_since", SET, Notice.Reason.DO_NOT_CALL),
        Rule("phone_invalid_since", SET, Notice.Reason.PHONE_INVALID),
    ),
    Channel.PRIME_LIST: (),
}


def fields(channel: str) -> list[str]:
    """The business fields the channel's rules read."""
    return [rule.field for rule in UNREACHABLE.get(channel, ())]


def _first_reason(channel: str, value_of: Callable[[str], Any]) -> str:
    return next((rule.reason for rule in UNREACHABLE.get(channel, ()) if rule.fails(value_of(rule.field))), "")


def unusable_reason(business: Business, channel: str) -> str:
    """The first reason a channel cannot reach the business now, or ''."""
    return _first_reason(channel, lambda name: getattr(business, name))


def unusable_reason_of(values: Mapping[str, Any], channel: str) -> str:
    """As unusable_reason, for a business read as {field: value} (the fields of `fields(channel)`)."""
    return _first_reason(channel, values.__getitem__)


def sql_usable(channel: str, alias: str = "b") -> str:
    """An SQL condition on the business row `alias`: the channel can reach it."""
    conditions = [rule.sql(alias) for rule in UNREACHABLE[channel]]
    return f"NOT ({' OR '.join(conditions)})" if conditions else "1 = 1"


def sql_reason(channel: str, alias: str = "b") -> str:
    """An SQL expression on the business row `alias`: the first reason the channel cannot reach it, or ''."""
    whens = " ".join(f"WHEN {rule.sql(alias)} THEN '{rule.reason}'" for rule in UNREACHABLE[channel])
    return f"CASE {whens} ELSE '' END" if whens else "''"


def reroute(notice: Notice, policy: ReminderPolicy | None, *, unusable: str = "") -> None:
    """Move a notice down the policy's fallbacks until a channel can reach the business.

    `unusable` is a reason, found by the caller, why the notice's own channel cannot be used.
    """
    policy = policy or ReminderPolicy(name="")
    chain = policy.fallback_chain(notice.channel)
    reasons = []
    for channel in chain:
        reason = (unusable if channel == chain[0] else "") or unusable_reason(notice.business, channel)
        if not reason:
            notice.channel = channel
            notice.status = Notice.Status.QUEUED
            notice.fallback_reason = ">".join(filter(None, [notice.fallback_reason, *reasons]))
            if channel == Channel.PHONE:
                notice.scheduled_for = business_days.next_business_day(timezone.localdate())
            return
        reasons.append(reason)
    notice.channel = chain[-1]
    notice.status = Notice.Status.SKIPPED
    notice.reason = reasons[-1]
