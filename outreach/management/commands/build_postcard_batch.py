from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from outreach import services
from outreach.models import Notice
from outreach.postcards import services as postcard_services
from renewals.management.commands.mark_lapsed import iso_date


class Command(BaseCommand):
    help = (
        "Build a postcard print batch of every postcard queued up to a date; "
        "prints the path of the PDF as its last line. Exits 1, claiming nothing, "
        "while the sender or the postage is not configured."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="take postcards scheduled up to this day, YYYY-MM-DD (default: today)")

    def handle(self, *args, date, **options):
        day = iso_date(date) if date else timezone.localdate()
        try:
            postcard_services.sender_check()
        except services.OutreachError as error:
            raise CommandError(str(error)) from error
        try:
            batch = postcard_services.postcard_batch_start(for_date=day)
        except services.OutreachError as error:
            self.stdout.write(str(error))
            return
        batch = postcard_services.postcard_batch_build(batch_id=batch.pk)
        self.stdout.write(f"build_postcard_batch {day}: batch #{batch.pk}, {batch.done} postcards")
        left_out = batch.exclusions.values("reason").annotate(n=Count("pk")).order_by("reason")
        for row in left_out:
            self.stdout.write(f"  left out: {Notice.Reason(row['reason']).label} {row['n']}")
        for problem in batch.char_problems:
            self.stdout.write(
                f"  row {problem['row']} {problem['ccus_id']} {problem['field']}: "
                f"not in CP932 {problem['cp932'] or '-'}, not in the font {problem['font'] or '-'}"
            )
        self.stdout.write(f"  CSV (CP932): {default_storage.path(batch.csv_cp932.name)}")
        self.stdout.write(f"  CSV (UTF-8): {default_storage.path(batch.csv_utf8.name)}")
        if batch.pdf:
            self.stdout.write(default_storage.path(batch.pdf.name))
        else:
            self.stdout.write("no PDF: every postcard was left out")
