"""What the register knows about a term, as numbers for the lapse model: set-based, numpy from SQL.

Each term is described as of one day. An ended term is seen as of LEAD_DAYS before its expiry
(what the desk knew when the last rungs began); a current term as of today or that day,
whichever comes first, so training and scoring see the same kind of row. Only what was known
by then counts: contact flags set on or before it, calls made and answers given before it,
earlier terms.

Every table is read once in chunks and joined by numpy over sorted ids (no query per term, no
model objects): memory is a few arrays of the register's length, the largest the feature
matrix (a million terms × 30 float32 columns is 120 MB).
"""

import datetime
import itertools
from dataclasses import dataclass

import numpy as np
from django.db.models import Case, IntegerField, Min, Q, Value, When
from django.db.models.functions import TruncDate

from outreach.models import Answer, CallAttempt, CallOutcome
from registrations.models import Business, Membership, SubcontractLink, TradeGroup
from renewals.models import RenewalCase, Term

LEAD_DAYS = 60
CHUNK = 50_000
# Ordinal days fit below this, so business id × DAY_KEY + day is one sortable int64 key.
DAY_KEY = 1_000_000
CALL_CLASSES = {
    "calls_reached": [CallOutcome.WILL_RENEW, CallOutcome.ALREADY_APPLIED, CallOutcome.CALLBACK],
    "calls_refused": [CallOutcome.REFUSES],
    "calls_no_answer": [CallOutcome.NO_ANSWER, CallOutcome.VOICEMAIL],
    "calls_wrong_number": [CallOutcome.WRONG_NUMBER],
}
# The business's earlier answers on the answer page, by kind. Whatever the desk decided later
# counts as given: the decision may come after the day a term is seen as of.
ANSWER_CLASSES = {f"answers_{kind}": [kind] for kind in Answer.Kind.values}
FLAGS = {
    "email_bounced": "email_bounced_since",
    "do_not_email": "do_not_email_since",
    "phone_invalid": "phone_invalid_since",
    "do_not_call": "do_not_call_since",
    "address_undeliverable": "address_undeliverable_since",
}
BASE_FEATURES = [
    "prefecture", "capital_band", "sole_proprietor", "individual", "has_email", "has_phone", *FLAGS,
    "trades", "memberships", "primes", "tier", "previous_lead_days", "previous_lapsed", "earlier_terms",
    *CALL_CLASSES, *ANSWER_CLASSES,
]  # fmt: skip
CATEGORICAL = ["prefecture"]
# Unknown values get a number of their own (the trees cannot bin a column that is all missing, as
# the previous renewal is for every first term): no previous renewal, no prime above.
NO_PREVIOUS_RENEWAL = -999.0
NO_TIER = 0.0
GROUP_PREFIX = "trade_group:"
# The reasons a risk is explained by: each a group of features changed together.
REASON_GROUPS = {
    "prefecture": ["prefecture"],
    "capital": ["capital_band"],
    "kind": ["sole_proprietor", "individual"],
    "email": ["has_email", "email_bounced", "do_not_email"],
    "phone": ["has_phone", "phone_invalid", "do_not_call"],
    "address": ["address_undeliverable"],
    "trades": ["trades"],  # and every trade group column
    "memberships": ["memberships"],
    "primes": ["primes", "tier"],
    "previous": ["previous_lead_days", "previous_lapsed", "earlier_terms"],
    "calls": list(CALL_CLASSES),
    "answers": list(ANSWER_CLASSES),
}


@dataclass
class Frame:
    """Terms as rows of features; `lapsed` is known for ended terms only."""

    term_ids: np.ndarray
    business_ids: np.ndarray
    expiry_months: np.ndarray  # year × 12 + month − 1
    features: np.ndarray  # float32
    names: list[str]
    expires: np.ndarray  # ordinal days
    applied: np.ndarray  # ordinal day of the first application, NaN: none
    lapsed: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.term_ids)


def feature_names(groups: list[str]) -> list[str]:
    return [*BASE_FEATURES, *(GROUP_PREFIX + name for name in groups)]


def trade_group_names() -> list[str]:
    return list(TradeGroup.objects.order_by("name").values_list("name", flat=True))


def _ordinal(day: datetime.date | None) -> float:
    return day.toordinal() if day else np.nan


def _read(queryset, converters) -> list[np.ndarray]:
    """Columns of a values_list queryset as arrays, read in chunks; one converter per column."""
    parts = []
    rows = queryset.iterator(chunk_size=CHUNK)
    while chunk := list(itertools.islice(rows, CHUNK)):
        parts.append([np.array([convert(row[i]) for row in chunk]) for i, convert in enumerate(converters)])
    if not parts:
        return [np.array([]) for _ in converters]
    return [np.concatenate([part[i] for part in parts]) for i in range(len(converters))]


def _positions(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Index of each id in sorted_ids (every id is there)."""
    return np.searchsorted(sorted_ids, ids)


def _businesses() -> dict[str, np.ndarray]:
    flag = Case(When(Q(email=""), then=Value(0)), default=Value(1), output_field=IntegerField())
    phone = Case(When(Q(phone=""), then=Value(0)), default=Value(1), output_field=IntegerField())
    rows = (
        Business.objects.order_by("pk")
        .annotate(has_email_=flag, has_phone_=phone)
        .values_list(
            "pk", "prefecture_id", "capital_band", "is_sole_proprietor", "entity_type", "has_email_", "has_phone_",
            *FLAGS.values(),
        )
    )  # fmt: skip
    columns = _read(
        rows,
        [int, int, float, float, lambda kind: float(kind == Business.EntityType.INDIVIDUAL), float, float]
        + [_ordinal] * len(FLAGS),
    )
    names = ["id", "prefecture", "capital_band", "sole_proprietor", "individual", "has_email", "has_phone", *FLAGS]
    return dict(zip(names, columns, strict=True))


def _terms() -> dict[str, np.ndarray]:
    """Every term, sorted by business and expiry, with its first application's day (NaN: none)."""
    rows = Term.objects.order_by("business_id", "expires_on", "pk").values_list(
        "pk", "business_id", "expires_on", "is_current"
    )
    ids, business_ids, expires, current = _read(rows, [int, int, _ordinal, bool])
    cases = (
        RenewalCase.objects.exclude(status=RenewalCase.Status.WITHDRAWN)
        .values("term_id")
        .annotate(first=Min("received_on"))
        .order_by("term_id")
        .values_list("term_id", "first")
    )
    case_terms, first = _read(cases, [int, _ordinal])
    applied = np.full(len(ids), np.nan)
    if len(case_terms):
        order = np.argsort(ids)
        at = np.searchsorted(ids[order], case_terms)
        applied[order[at]] = first
    return {"id": ids, "business": business_ids, "expires": expires, "current": current, "applied": applied}


def _history(terms: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per term: how early the previous term's application came (days before its expiry), whether
    it lapsed, and how many terms came before."""
    count = len(terms["id"])
    index = np.arange(count)
    first_of_business = np.r_[True, terms["business"][1:] != terms["business"][:-1]] if count else np.array([])
    earlier = index - np.maximum.accumulate(np.where(first_of_business, index, 0)) if count else index
    lead = np.full(count, NO_PREVIOUS_RENEWAL)
    lapsed = np.zeros(count)
    has_previous = ~first_of_business.astype(bool) if count else np.array([], dtype=bool)
    previous = index[has_previous] - 1
    lead[has_previous] = np.nan_to_num(terms["expires"][previous] - terms["applied"][previous], nan=NO_PREVIOUS_RENEWAL)
    lapsed[has_previous] = ~(terms["applied"][previous] <= terms["expires"][previous])
    return {"previous_lead_days": lead, "previous_lapsed": lapsed, "earlier_terms": earlier.astype(float)}


def _counts_by_business(business_ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """How many of `rows` (business ids) belong to each of `business_ids` (sorted)."""
    counts = np.zeros(len(business_ids))
    if len(rows):
        np.add.at(counts, _positions(business_ids, rows), 1)
    return counts


def _trades(business_ids: np.ndarray, groups: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Trades per business, and a 0/1 column per trade group (by name, as the model knows them)."""
    rows = Business.trades.through.objects.order_by().values_list("business_id", "trade_id")
    owners, trades = _read(rows, [int, str])
    flags = np.zeros((len(business_ids), len(groups)))
    members = TradeGroup.trades.through.objects.values_list("tradegroup__name", "trade_id")
    in_group = {name: set() for name in groups}
    for name, trade in members:
        if name in in_group:
            in_group[name].add(trade)
    for column, name in enumerate(groups):
        hit = np.isin(trades, list(in_group[name])) if len(trades) else np.array([], dtype=bool)
        flags[_positions(business_ids, owners[hit]), column] = 1
    return _counts_by_business(business_ids, owners), flags


def _primes(business_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Primes each business works for, and its smallest tier (NO_TIER: none)."""
    subs, tiers = _read(SubcontractLink.objects.order_by().values_list("subcontractor_id", "tier"), [int, float])
    tier = np.full(len(business_ids), np.inf)
    if len(subs):
        np.minimum.at(tier, _positions(business_ids, subs), tiers)
    tier[np.isinf(tier)] = NO_TIER
    return _counts_by_business(business_ids, subs), tier


def _counts_before(business_ids: np.ndarray, as_of: np.ndarray, events: list[np.ndarray], classes: dict) -> dict:
    """Per term (its business id and day), its business's events of each class dated before that day.

    `events`: owners (business ids), days (ordinal) and kinds; `classes`: name → the kinds it counts.
    """
    owners, days, kinds = events
    start = business_ids.astype(np.int64) * DAY_KEY
    counts = {}
    for name, kinds_of_class in classes.items():
        hit = np.isin(kinds, kinds_of_class) if len(kinds) else np.array([], dtype=bool)
        keys = np.sort(owners[hit].astype(np.int64) * DAY_KEY + days[hit].astype(np.int64))
        counts[name] = (np.searchsorted(keys, start + as_of.astype(np.int64)) - np.searchsorted(keys, start)).astype(
            float
        )
    return counts


def _calls_before(business_ids: np.ndarray, as_of: np.ndarray) -> dict[str, np.ndarray]:
    """Per term, the calls of each class made to the business before its day."""
    rows = CallAttempt.objects.annotate(day=TruncDate("started_at")).order_by()
    events = _read(rows.values_list("notice__business_id", "day", "outcome"), [int, _ordinal, str])
    return _counts_before(business_ids, as_of, events, CALL_CLASSES)


def _answers_before(business_ids: np.ndarray, as_of: np.ndarray) -> dict[str, np.ndarray]:
    """Per term, the answers of each kind the business gave on the answer page before its day."""
    rows = Answer.objects.annotate(day=TruncDate("answered_at")).order_by()
    events = _read(rows.values_list("business_id", "day", "kind"), [int, _ordinal, str])
    return _counts_before(business_ids, as_of, events, ANSWER_CLASSES)


def build_frame(*, today: datetime.date, ended: bool, groups: list[str]) -> Frame:
    """Ended terms (expired before today, with whether each lapsed) or every current term, as features.

    1. every term with its first application, and its previous term's history;
    2. the terms wanted and the day each is seen as of;
    3. business columns, trades, memberships, primes, calls and answers joined by business id;
    4. one float32 matrix in the order of feature_names(groups).
    """
    terms = _terms()
    history = _history(terms)
    wanted = terms["expires"] < today.toordinal() if ended else terms["current"]
    wanted = np.flatnonzero(wanted)
    expires = terms["expires"][wanted]
    as_of = expires - LEAD_DAYS
    if not ended:
        as_of = np.minimum(as_of, today.toordinal())
    owners = terms["business"][wanted]
    businesses = _businesses()
    at = _positions(businesses["id"], owners)
    trades, group_flags = _trades(businesses["id"], groups)
    primes, tier = _primes(businesses["id"])
    columns = {
        "prefecture": businesses["prefecture"][at],
        "capital_band": businesses["capital_band"][at],
        "sole_proprietor": businesses["sole_proprietor"][at],
        "individual": businesses["individual"][at],
        "has_email": businesses["has_email"][at],
        "has_phone": businesses["has_phone"][at],
        **{name: (businesses[name][at] <= as_of).astype(float) for name in FLAGS},
        "trades": trades[at],
        "memberships": _counts_by_business(
            businesses["id"], _read(Membership.objects.order_by().values_list("business_id"), [int])[0]
        )[at],
        "primes": primes[at],
        "tier": tier[at],
        **{name: values[wanted] for name, values in history.items()},
        **_calls_before(owners, as_of),
        **_answers_before(owners, as_of),
    }
    names = feature_names(groups)
    features = np.empty((len(wanted), len(names)), dtype=np.float32)
    for column, name in enumerate(BASE_FEATURES):
        features[:, column] = columns[name]
    features[:, len(BASE_FEATURES) :] = group_flags[at]
    dates = [datetime.date.fromordinal(int(day)) for day in expires]
    months = np.array([day.year * 12 + day.month - 1 for day in dates], dtype=np.int32)
    lapsed = (~(terms["applied"][wanted] <= expires)).astype(np.int8) if ended else None
    applied = terms["applied"][wanted]
    return Frame(terms["id"][wanted], owners, months, features, names, expires, applied, lapsed)
