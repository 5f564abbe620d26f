"""Baseline for the daily scan: the same rules as a per-business Python loop.

The way a team would first write it (like a renewal command that loops over every
member): for each current term, for each step, check the rules in Python and
get_or_create the notice. Time-capped; everything is rolled back.

    python bench/scan_loop.py --date 2026-12-28 --seconds 60
"""

import argparse
import datetime
import json
import resource
import time

from django_env import django_setup


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--date", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    django_setup()
    from django.db import transaction

    from outreach.models import Notice, ReminderPolicy
    from renewals.models import RenewalCase, Term

    today = datetime.date.fromisoformat(args.date)
    policy = ReminderPolicy.objects.get(is_active=True)
    steps = list(policy.steps.all())
    total = Term.objects.filter(is_current=True).count()
    seen = created = 0
    started = time.monotonic()
    try:
        with transaction.atomic():
            for term in Term.objects.filter(is_current=True).select_related("business").iterator(chunk_size=2_000):
                seen += 1
                for step in steps:
                    days = (term.expires_on - today).days
                    if not (step.last_days_before <= days <= step.days_before):
                        continue
                    if step.days_before >= 0 and term.ended:
                        continue
                    if RenewalCase.objects.filter(term=term, status__in=["pending", "approved"]).exists():
                        continue
                    channel = step.channel
                    if channel == "email" and not term.business.email:
                        channel = "postcard"
                    _notice, made = Notice.objects.get_or_create(
                        term=term,
                        step=step,
                        defaults={
                            "business_id": term.business_id,
                            "template_id": step.template_id,
                            "channel": channel,
                            "due_on": today,
                            "scheduled_for": today,
                        },
                    )
                    created += made
                if time.monotonic() - started > args.seconds:
                    break
            raise Rollback
    except Rollback:
        pass
    elapsed = time.monotonic() - started
    rate = seen / elapsed
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(
        f"per-business loop, time-capped sample: {seen:,} of {total:,} terms in {elapsed:.1f} s "
        f"({rate:,.0f} terms/s, {created:,} notices), extrapolated to all: {total / rate / 60:,.1f} min; "
        f"peak RSS {peak} MB"
    )
    print("RESULT " + json.dumps({"count": seen, "seconds": elapsed, "sample": seen < total}))


if __name__ == "__main__":
    main()
