"""The daily scan with and without a holdout experiment on each pre-expiry rung due that day.

Runs the scan for a date as a dry run (all of its work, rolled back) a few times without
an experiment, then with one holding out 5 % of each of the first --rungs rungs the guard
rails allow (default: all of them; created and removed inside the rolled-back transaction),
and prints the median wall time of each and the notices held out. Needs a seeded register
(see BENCHMARKS.md's method).

    python bench/holdout_scan.py --date 2026-12-30 --repeat 3 [--rungs 1]
"""

import argparse
import datetime
import json
import statistics
import time

from django_env import django_setup


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--date", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rungs", type=int, default=None)
    args = parser.parse_args()
    django_setup()
    from django.db import transaction

    from outreach import holdout_rule, scan
    from outreach.models import Experiment, Notice, ReminderPolicy
    from renewals.models import Term

    today = datetime.date.fromisoformat(args.date)
    steps = list(ReminderPolicy.objects.get(is_active=True).steps.all())
    ladder = [step.days_before for step in steps]
    held_steps = [step for step in steps if not holdout_rule.rung_refusal(step.days_before, ladder)][: args.rungs]

    def timed(with_experiments: bool) -> tuple[float, int]:
        try:
            with transaction.atomic():
                if with_experiments:
                    for step in held_steps:
                        Experiment.objects.create(
                            name=f"bench {step.pk}", step=step, holdout_percent=5, starts_on=today, ends_on=today
                        )
                started = time.perf_counter()
                run = scan.run_scan(today=today)
                seconds = time.perf_counter() - started
                held = Notice.objects.filter(scan_run=run, reason=Notice.Reason.HOLDOUT).count()
                created = Notice.objects.filter(scan_run=run).count()
                raise Rollback(seconds, held, created)
        except Rollback as done:
            return done.args

    result = {"terms": Term.objects.filter(is_current=True).count(), "rungs held out": len(held_steps)}
    for label, flag in (("without", False), ("with", True)):
        runs = [timed(flag) for _ in range(args.repeat)]
        result[label] = {
            "median seconds": round(statistics.median(r[0] for r in runs), 2),
            "notices": runs[0][2],
            "held out": runs[0][1],
        }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
