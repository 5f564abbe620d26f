from django.core.management.base import BaseCommand
from django.utils import timezone

from outreach import scan
from outreach.models import Notice
from renewals.management.commands.mark_lapsed import iso_date


class Command(BaseCommand):
    help = "Run the reminder ladder's daily scan: create every notice due on a date, once."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the scan date, YYYY-MM-DD (default: today in Asia/Tokyo)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be created, write nothing")

    def handle(self, *args, date, dry_run, **options):
        today = iso_date(date) if date else timezone.localdate()
        run = scan.run_scan(today=today, dry_run=dry_run)
        counts = run.counts
        self.stdout.write(f"run_reminders {today}{' (dry run: nothing written)' if dry_run else ''}")
        self.stdout.write(f"  policy: {counts['policy'] or '(no active policy)'}")
        self.stdout.write(f"  lapsed: {counts['lapsed']}  cancelled: {counts['cancelled']}")
        for channel in ["email", "postcard", "phone", "prime_list"]:
            entry = counts.get(channel, {"created": 0, "skipped": {}})
            skipped = ", ".join(f"{Notice.Reason(reason).label} {n}" for reason, n in sorted(entry["skipped"].items()))
            self.stdout.write(f"  {channel:<10} created {entry['created']:>7}  skipped {skipped or '0'}")
