"""A small register whose dashboard numbers are worked out by hand (today = 2026-11-27, FY2026).

| business | pref | capital | trades | expiry     | what happened                                   |
|----------|------|---------|--------|------------|-------------------------------------------------|
| A        | 東京 | 10M     | 管     | 2026-06-30 | applied 05-10, approved 05-20 (¥24,000)          |
| B        | 東京 | 10M     | 管     | 2026-08-31 | nothing: lapsed                                  |
| C        | 大阪 | 3M      | 大工   | 2026-09-30 | applied 09-01, pending (¥6,000)                  |
| D        | 大阪 | 一人親方 | –      | 2026-10-31 | applied 10-01, approved 10-05 (¥0, not counted)  |
| E        | 東京 | 10M     | 管     | 2026-12-31 | nothing yet: at risk, window open (¥24,000)      |
| F        | 東京 | 30M     | 電気   | 2027-01-31 | nothing yet: at risk, window open (¥48,000)      |
| G        | 大阪 | 10M     | –      | 2031-06-30 | new registration 2026-06-15 (¥24,000)            |
| H        | 東京 | 一人親方 | –      | 2031-07-31 | new registration 2026-07-01 (¥0, not counted)    |
| I        | 東京 | 10M     | –      | 2027-03-31 | applied 11-01, pending (¥24,000)                 |
| J        | 東京 | 10M     | –      | 2027-08-31 | nothing: window not open yet                     |

Worked out:
- FY2026 renewals (excluding 一人親方): A, C, I = 3, approved 1; fees 24,000 + 6,000 + 0 + 24,000 = 54,000.
- new registrations: G = 1 (H is 一人親方); fees 24,000. Income 78,000.
- target: none for FY2026, so FY2025's (32,000 / 15,000 / ¥898,215,000) carried over.
- observed (expired 2025-11-27 … 2026-11-26): A, B, C, D; applied A, C, D → 75%.
- forecast: renewals (E 24,000 + F 48,000) × 0.75 = 54,000; new registrations at the run rate
  24,000 × 124 days left (11-28 … 03-31) ÷ 241 days elapsed (04-01 … 11-27) = 12,348.5 → 12,349;
  projected 78,000 + 54,000 + 12,349 = 144,349.
- calendar: 2026-12 window open 1 (E), 2027-01 window open 1 (F), 2027-03 pending 1 (I), 2027-08 active 1 (J).
- lapses: 2026-08: 1 (B).
- rates: 東京 1/2, 大阪 2/2; 設備 1/2, 住宅 1/1; 管 1/2, 大工 1/1.
- funnel: e-mail to A (reached, applied, renewed) and B (bounced); postcard to C (reached, applied);
  a phone notice to E called once without an answer.
"""

import datetime

from django.utils import timezone

from outreach.models import CallAttempt, CallOutcome, Channel, Notice, NoticeTemplate
from outreach.tests.factories import business_expiring
from registrations.models import Prefecture, Trade
from registrations.tests.factories import staff_user
from renewals import services
from renewals.models import Term

TODAY = datetime.date(2026, 11, 27)
D = datetime.date


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=timezone.get_current_timezone())


def _apply(business, received_on, approved_on=None):
    case = services.renewal_record_application(business=business, received_on=received_on, channel="online")
    if approved_on:
        services.renewal_approve(case=case, approved_on=approved_on)
    return case


def _notice(business, channel, *, status, day):
    term = Term.objects.filter(business=business).order_by("starts_on").first()
    return Notice.objects.create(
        business=business,
        term=term,
        template=NoticeTemplate.objects.filter(channel=channel).first()
        or NoticeTemplate.objects.create(name=f"t {channel}", channel=channel, subject="s", body="b"),
        channel=channel,
        status=status,
        due_on=day,
        scheduled_for=day,
        sent_at=_at(day) if status == Notice.Status.SENT else None,
    )


def build() -> dict:
    osaka = Prefecture.objects.get(code="27")
    kan, daiku, denki = (Trade.objects.get(name=name) for name in ("管", "大工", "電気"))
    b = {}
    b["A"] = business_expiring(D(2026, 6, 30))
    b["B"] = business_expiring(D(2026, 8, 31))
    b["C"] = business_expiring(D(2026, 9, 30), prefecture=osaka, capital=3_000_000)
    b["D"] = business_expiring(D(2026, 10, 31), prefecture=osaka, is_sole_proprietor=True, capital=None)
    b["E"] = business_expiring(D(2026, 12, 31))
    b["F"] = business_expiring(D(2027, 1, 31), capital=30_000_000)
    b["G"] = business_expiring(D(2031, 6, 30), prefecture=osaka, registered_on=D(2026, 6, 15))
    b["H"] = business_expiring(D(2031, 7, 31), is_sole_proprietor=True, capital=None, registered_on=D(2026, 7, 1))
    b["I"] = business_expiring(D(2027, 3, 31))
    b["J"] = business_expiring(D(2027, 8, 31))
    for name in "ABE":
        b[name].trades.add(kan)
    b["C"].trades.add(daiku)
    b["F"].trades.add(denki)

    _apply(b["A"], D(2026, 5, 10), D(2026, 5, 20))
    _apply(b["C"], D(2026, 9, 1))
    _apply(b["D"], D(2026, 10, 1), D(2026, 10, 5))
    _apply(b["I"], D(2026, 11, 1))
    services.mark_lapsed(today=TODAY)

    _notice(b["A"], Channel.EMAIL, status=Notice.Status.SENT, day=D(2026, 5, 1))
    _notice(b["B"], Channel.EMAIL, status=Notice.Status.SENT, day=D(2026, 7, 1))
    b["B"].email_bounced_since = D(2026, 7, 2)
    b["B"].save()
    _notice(b["C"], Channel.POSTCARD, status=Notice.Status.SENT, day=D(2026, 8, 20))
    phone = _notice(b["E"], Channel.PHONE, status=Notice.Status.QUEUED, day=D(2026, 11, 20))
    CallAttempt.objects.create(
        notice=phone,
        operator=staff_user("電話オペレーター", "op-dashboard"),
        started_at=_at(D(2026, 11, 20)),
        ended_at=_at(D(2026, 11, 20)),
        outcome=CallOutcome.NO_ANSWER,
    )
    return b
