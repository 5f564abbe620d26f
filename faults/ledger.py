"""Counting one scenario's outcome: what was due, what the outbox did, what the SMTP server got.

Kept apart from the drill so the rules of "duplicated" and "lost" are tested on their own.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields

# A due notice in one of these states never reached the business and no one will send it.
DROPPED = {"failed", "cancelled", "skipped"}
WAITING = {"queued", "sending"}


@dataclass(frozen=True)
class Tally:
    scenario: str
    due: int
    created: int
    sent: int
    waiting: int
    uncertain: int
    duplicated: int
    lost: int
    unexpected: int

    @property
    def ok(self) -> bool:
        """Uncertain notices are for the desk to check; duplicates, losses and strays are failures."""
        return not (self.duplicated or self.lost or self.unexpected)


def tally(scenario: str, *, due: Iterable[int], notices: Iterable[tuple[int, int, str]], received: Counter) -> Tally:
    """Count a scenario.

    due: the business ids that had to get a notice; notices: (notice id, business id,
    status) of the drill's step; received: messages the SMTP server accepted per notice id.
    A due business is lost when it has no notice, its notice was dropped, or its notice
    says sent but the server never got the message. A notice is duplicated when the
    server got it more than once; unexpected when its business was not due.
    """
    due = set(due)
    notices = list(notices)
    by_business = {business: (notice, status) for notice, business, status in notices}
    statuses = Counter(status for _notice, business, status in notices if business in due)
    lost = sum(
        1
        for business in due
        if business not in by_business
        or by_business[business][1] in DROPPED
        or (by_business[business][1] == "sent" and received[by_business[business][0]] == 0)
    )
    return Tally(
        scenario=scenario,
        due=len(due),
        created=sum(statuses.values()),
        sent=statuses["sent"],
        waiting=sum(statuses[status] for status in WAITING),
        uncertain=statuses["uncertain"],
        duplicated=sum(1 for _notice, count in received.items() if count > 1),
        lost=lost,
        unexpected=sum(1 for _notice, business, _status in notices if business not in due),
    )


def table(tallies: list[Tally]) -> str:
    """A fixed-width table, one row per scenario, with OK or FAIL at the end."""
    names = [field.name for field in fields(Tally)]
    width = max([len("scenario"), *(len(t.scenario) for t in tallies)])
    lines = [f"{'scenario':<{width}} " + " ".join(f"{name:>10}" for name in names[1:]) + "  result"]
    for row in tallies:
        values = " ".join(f"{getattr(row, name):>10}" for name in names[1:])
        lines.append(f"{row.scenario:<{width}} {values}  {'OK' if row.ok else 'FAIL'}")
    return "\n".join(lines)


def webhook_tally(
    scenario: str,
    *,
    events: dict[str, int],
    acknowledged: Counter,
    pending: Iterable[str],
    recorded: Counter,
    effects: Counter,
) -> Tally:
    """Count the provider's events against what the webhook recorded.

    events: event key → the business it concerns, every event the provider had to deliver;
    acknowledged: 2xx answers per key; pending: keys the provider still holds; recorded:
    stored rows per key; effects: per business, the changes its events made (a bounce row,
    a delivery on its notice), one expected each. An event is lost when it was acknowledged
    but not recorded, or recorded without its effect; duplicated when stored twice or when
    its business changed twice; unexpected when it was not sent or concerns no one sent to.
    """
    pending = set(pending)
    lost = sum(1 for key in events if acknowledged[key] and not recorded[key])
    lost += sum(1 for key, business in events.items() if recorded[key] and not effects[business])
    return Tally(
        scenario=scenario,
        due=len(events),
        created=sum(1 for key in events if recorded[key]),
        sent=sum(1 for key in events if acknowledged[key]),
        waiting=len(pending & set(events)),
        uncertain=0,
        duplicated=sum(1 for count in recorded.values() if count > 1)
        + sum(1 for count in effects.values() if count > 1),
        lost=lost,
        unexpected=sum(1 for key in recorded if key not in events)
        + sum(1 for business in effects if business not in set(events.values())),
    )
