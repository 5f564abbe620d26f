"""The daily scan with holdout experiments on the rungs due that day, or without (the suite's `holdouts` row).

Runs the scan for a date inside a transaction it rolls back: with --experiments, first
one experiment holding out 5 % of each of the first --rungs rungs the guard rails allow
(default: all of them). Prints the suite's RESULT line: current terms, the scan's seconds,
and the notices written and held out.

    python bench/holdout_scan.py --date 2026-12-30 [--experiments [--rungs 1]]
"""

import argparse
import datetime
import json
import time

from django_env import django_setup


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--date", required=True)
    parser.add_argument("--experiments", action="store_true")
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
    try:
        with transaction.atomic():
            for step in held_steps if args.experiments else []:
                Experiment.objects.create(
                    name=f"bench {step.pk}", step=step, holdout_percent=5, starts_on=today, ends_on=today
                )
            started = time.perf_counter()
            run = scan.run_scan(today=today)
            seconds = time.perf_counter() - started
            written = Notice.objects.filter(scan_run=run).count()
            held = Notice.objects.filter(scan_run=run, reason=Notice.Reason.HOLDOUT).count()
            raise Rollback(seconds, written, held)
    except Rollback as done:
        seconds, written, held = done.args
    rungs = len(held_steps) if args.experiments else 0
    note = f"{written:,} notices written, {held:,} held out ({rungs} rungs with an experiment); rolled back"
    terms = Term.objects.filter(is_current=True).count()
    print("RESULT " + json.dumps({"count": terms, "seconds": seconds, "note": note}, ensure_ascii=False))


if __name__ == "__main__":
    main()
