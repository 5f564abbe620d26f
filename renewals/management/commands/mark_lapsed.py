import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from renewals import services


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"--date must be YYYY-MM-DD, got {value!r}") from error


class Command(BaseCommand):
    help = "Record as lapsed (失効) every registration that expired without a pending renewal application."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to judge by, YYYY-MM-DD (default: today in Asia/Tokyo)")

    def handle(self, *args, date, **options):
        today = iso_date(date) if date else timezone.localdate()
        synced = services.terms_sync()
        lapsed = services.mark_lapsed(today=today)
        self.stdout.write(
            f"mark_lapsed {today}: {lapsed} lapsed; terms created {synced['created']}, "
            f"moved {synced['moved']}, registered again {synced['reregistered']}"
        )
