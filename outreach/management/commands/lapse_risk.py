"""Score every current term with the latest lapse model; --export writes them as CSV."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach.reports import lapse_model


class Command(BaseCommand):
    help = (
        "Score every current term with the latest lapse model (stored for the call queue); with "
        "--export FILE, write 事業者ID, risk (0–1) and the main reasons as CSV (UTF-8 with BOM)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--export", metavar="FILE", help="CSV file to write")

    def handle(self, *args, export: str | None = None, **options):
        row = lapse_model.latest()
        if row is None:
            raise CommandError(_("No lapse model has been trained yet: run train_lapse_model first."))
        try:
            scored = lapse_model.score_current(row=row, today=timezone.localdate())
        except lapse_model.LapseModelError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("%(count)s current terms scored.") % {"count": f"{scored:,}"})
        if export:
            try:
                with open(export, "w", encoding="utf-8-sig", newline="") as handle:
                    written = lapse_model.export_csv(handle)
            except OSError as error:
                raise CommandError(_("Cannot write %(file)s: %(error)s") % {"file": export, "error": error}) from error
            self.stdout.write(_("%(count)s rows written to %(file)s") % {"count": f"{written:,}", "file": export})
