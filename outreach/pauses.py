"""When a business's answer pauses its reminders: the one rule, as query conditions and as SQL.

An answer pauses every rung of the ladder for its business while
- it is 更新申請します (noted, no check needed) and its pause_until has not passed, or
- it waits for the desk (申請済み, 行政書士・登録機関, 廃業, 合併): until confirmed or rejected.
`PAUSES` states it once; `pausing` gives the Django conditions (outreach.needed cancels
queued rungs with them, the call queue leaves their tasks out) and `sql_paused` the
condition the daily scan puts in its INSERT … SELECT.
"""

import datetime

from django.db.models import Exists, OuterRef, Q

from outreach.models import Answer

# (status, kinds, whether the pause ends with pause_until)
PAUSES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    (Answer.Status.NOTED, (Answer.Kind.WILL_APPLY,), True),
    (Answer.Status.PENDING, (Answer.Kind.APPLIED, Answer.Kind.AGENT, Answer.Kind.CLOSED, Answer.Kind.MERGED), False),
)


def pausing(today: datetime.date) -> Q:
    """Conditions on answers: the answer pauses its business's reminders on `today`."""
    condition = Q(pk__in=[])
    for status, kinds, dated in PAUSES:
        condition |= Q(status=status, kind__in=kinds) & (Q(pause_until__gte=today) if dated else Q())
    return condition


def business_paused(today: datetime.date, business_ref: str = "business") -> Exists:
    """A business (reached by `business_ref` from the outer query) has a pausing answer on `today`."""
    return Exists(Answer.objects.filter(pausing(today), business=OuterRef(business_ref)))


def sql_paused(business_alias: str = "b", today_param: str = "%(today)s") -> str:
    """SQL on the business row `business_alias`: it has a pausing answer on the date `today_param`."""
    table = Answer._meta.db_table
    whens = []
    for status, kinds, dated in PAUSES:
        listed = ", ".join(f"'{kind}'" for kind in kinds)
        until = f" AND a.pause_until >= {today_param}" if dated else ""
        whens.append(f"(a.status = '{status}' AND a.kind IN ({listed}){until})")
    return f"EXISTS (SELECT 1 FROM {table} a WHERE a.business_id = {business_alias}.id AND ({' OR '.join(whens)}))"
