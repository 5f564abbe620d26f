"""The lapse model's rows: training, scoring every current term, and a replay of the call desk.

    python -m bench.lapse train            # train_lapse_model's work: features, fit, file, row
    python -m bench.lapse score            # lapse_risk's work: every current term scored, rows replaced
    python -m bench.lapse replay --calls-per-day N

Replay (method). The latest model learned on the earlier expiry months only; its held-out months
are replayed. Every business day from 45 days before the first held-out expiry to the last one,
the desk makes N calls among the held-out terms inside the phone window (expiring within 45
days), not yet called, and not yet applied on that day (their real application date). Terms
expiring before the next business day go first (the hard rule); the rest either by expiry
(today's order) or by expected saves (risk × the reach of the business's kind from the call
history; 1 for every kind when there is too little history). A call "reaches a renewal to
save" with the reach chance of its kind when the term in fact lapsed: the row reports the
expected number of lapsing businesses reached by each order, and how many more expected saves
gives. Both orders see the same terms, days and N (default: a tenth of the held-out terms
spread over the replayed business days, so the desk cannot call everyone).
"""

import argparse
import datetime
import math
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from bench.measures import result, setup

WINDOW_DAYS = 45
COVERAGE = 0.1


def train(args) -> None:
    from django.utils import timezone

    from outreach.reports import lapse_model

    started = time.perf_counter()
    row = lapse_model.train(today=timezone.localdate())
    seconds = time.perf_counter() - started
    print(lapse_model.metrics_line(row.metrics))
    count = row.metrics["learned_terms"] + row.metrics["held_out_terms"]
    result(count, seconds, note=f"AUC {row.metrics['auc']:.3f}, top decile ÷ average {_lift(row.metrics):.2f}×")


def _lift(metrics: dict) -> float:
    return metrics["top_decile_rate"] / metrics["average_rate"] if metrics["average_rate"] else 0


def score(args) -> None:
    from django.utils import timezone

    from outreach.reports import lapse_model

    started = time.perf_counter()
    count = lapse_model.score_current(row=lapse_model.latest(), today=timezone.localdate())
    result(count, time.perf_counter() - started)


def replay_order(
    *,
    expires: np.ndarray,
    applied: np.ndarray,
    priority,
    days: list[int],
    is_last_chance,
    calls_per_day: int,
) -> np.ndarray:
    """Which terms get called (a boolean mask), day by day, highest `priority(day, terms)` first after
    the hard rule.

    Days and dates are ordinals; `applied` is NaN for terms that never applied.
    """
    called = np.zeros(len(expires), dtype=bool)
    for day in days:
        open_ = (~called) & (expires >= day) & (expires <= day + WINDOW_DAYS) & ~(applied <= day)
        candidates = np.flatnonzero(open_)
        if not len(candidates):
            continue
        urgent = is_last_chance(day, expires[candidates])
        order = np.lexsort((expires[candidates], -priority(day, candidates), ~urgent))
        called[candidates[order[:calls_per_day]]] = True
    return called


def replay(args) -> None:
    from django.utils import timezone

    from outreach import business_days
    from outreach.reports import lapse_features, lapse_model

    started = time.perf_counter()
    row = lapse_model.latest()
    model = lapse_model.load(row)
    frame = lapse_features.build_frame(today=timezone.localdate(), ended=True, groups=row.spec["trade_groups"])
    first, last = (int(part[:4]) * 12 + int(part[5:]) - 1 for part in row.metrics["held_out_months"])
    held_out = (frame.expiry_months >= first) & (frame.expiry_months <= last)
    features = frame.features[held_out]
    lapsed = frame.lapsed[held_out].astype(bool)
    with threadpool_limits(limits=lapse_model.THREADS, user_api="openmp"):
        risk = model.predict_proba(features)[:, 1]
    names = frame.names
    kinds = np.where(
        features[:, names.index("sole_proprietor")] == 1,
        "sole",
        np.where(features[:, names.index("individual")] == 1, "individual", "corporation"),
    )
    table = row.reach
    chance = np.array([table["by_kind"][kind]["all"] if table else 1.0 for kind in kinds])
    expires, applied = frame.expires[held_out], frame.applied[held_out]
    start = datetime.date.fromordinal(int(expires.min()) - WINDOW_DAYS)
    end = datetime.date.fromordinal(int(expires.max()))
    days = [
        (start + datetime.timedelta(n)).toordinal()
        for n in range((end - start).days + 1)
        if business_days.is_business_day(start + datetime.timedelta(n))
    ]
    calls_per_day = args.calls_per_day or max(1, math.ceil(len(expires) * COVERAGE / len(days)))

    def is_last_chance(day, term_expiries):
        following = business_days.next_business_day(datetime.date.fromordinal(day), include_today=False)
        return term_expiries < following.toordinal()

    common = {
        "expires": expires,
        "applied": applied,
        "days": days,
        "is_last_chance": is_last_chance,
        "calls_per_day": calls_per_day,
    }
    shares = np.array(row.spec["not_applied_share"])

    def expected_saves(day, terms):
        # As the queue orders (outreach.calls.priority): the risk given no application yet, × reach.
        still_out = shares[np.clip(expires[terms] - day, 0, len(shares) - 1).astype(int)]
        now = risk[terms] / (risk[terms] + (1 - risk[terms]) * still_out)
        return now * chance[terms]

    by_expiry = replay_order(priority=lambda day, terms: -expires[terms], **common)
    by_saves = replay_order(priority=expected_saves, **common)
    reached = {
        name: float((chance * lapsed)[mask].sum()) for name, mask in (("expiry", by_expiry), ("saves", by_saves))
    }
    note = (
        f"{len(expires):,} held-out terms ({row.metrics['held_out_months'][0]} – {row.metrics['held_out_months'][1]}, "
        f"{int(lapsed.sum()):,} lapsed), {calls_per_day} calls a day over {len(days)} business days: "
        f"lapsing businesses reached by expiry order {reached['expiry']:.1f}, by expected saves "
        f"{reached['saves']:.1f} ({reached['saves'] - reached['expiry']:+.1f})"
    )
    print(note)
    result(int(by_saves.sum()), time.perf_counter() - started, note=note)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=["train", "score", "replay"])
    parser.add_argument("--calls-per-day", type=int, default=0, help="replay: calls a day (0: a tenth of the terms)")
    args = parser.parse_args()
    setup()
    getattr(sys.modules[__name__], args.name)(args)


if __name__ == "__main__":
    main()
