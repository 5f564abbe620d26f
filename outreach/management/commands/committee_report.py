"""Write the quarterly committee report (XLSX and PDF) and print where the files are."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from outreach.models import CommitteeReport
from outreach.reports.committee import CommitteeReportError, committee_report_build, output_paths
from renewals.fiscal import PeriodError, parse_quarter


class Command(BaseCommand):
    help = "Write the steering committee's report for a fiscal quarter (2026Q3 = October – December 2026)."

    def add_arguments(self, parser):
        parser.add_argument("--quarter", required=True, help="fiscal quarter, e.g. 2026Q3")

    def handle(self, *args, quarter: str, **options):
        try:
            period = parse_quarter(quarter)
        except PeriodError as error:
            raise CommandError(str(error)) from error
        report = CommitteeReport.objects.create(quarter=period.label)
        try:
            committee_report_build(report=report)
        except CommitteeReportError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("Committee report for %(quarter)s written:") % {"quarter": period.label})
        for path in output_paths(report):
            self.stdout.write(path)
