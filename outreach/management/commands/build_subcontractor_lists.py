from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach import services
from outreach.lists import services as list_services
from outreach.models import SubcontractorList
from registrations.models import Business
from renewals.management.commands.mark_lapsed import iso_date


class Command(BaseCommand):
    help = (
        "Build subcontractor renewal lists now (in this process) for one prime, one association's member "
        "primes, or every association; prints the paths of the files written, one per line, last."
    )

    def add_arguments(self, parser):
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--prime", metavar="事業者ID", help="one prime contractor, by its 14-digit business ID")
        target.add_argument("--association", metavar="CODE", help="the member primes of one association")
        target.add_argument("--all", action="store_true", help="every association's member primes")
        parser.add_argument(
            "--filter", choices=SubcontractorList.Filter.values, default="expiring", help="default: expiring"
        )
        parser.add_argument("--days", type=int, default=90, help="for --filter expiring (default 90)")
        parser.add_argument("--date", help="the list's date, YYYY-MM-DD (default: today in Asia/Tokyo)")

    def handle(self, *args, prime, association, all, filter, days, date, **options):
        if days < 1:
            raise CommandError(_("--days must be at least 1."))
        options = {"row_filter": filter, "days": days, "as_of": iso_date(date) if date else timezone.localdate()}
        try:
            if prime is not None:
                business = Business.objects.filter(ccus_id=prime.strip()).first()
                if business is None:
                    raise CommandError(_("There is no business with business ID %(id)s.") % {"id": prime})
                queued = [list_services.subcontractor_list_request(prime=business, **options)]
            else:
                queued = list_services.association_lists_request(association_code=association, **options)
        except services.OutreachError as error:
            raise CommandError(str(error)) from error
        paths, failed = [], 0
        list_services.expand_lists(list_ids=[request.pk for request in queued])  # one graph walk for all
        for request in queued:
            built = list_services.subcontractor_list_files(list_id=request.pk)
            if built.status != SubcontractorList.Status.DONE:
                failed += 1
                self.stderr.write(f"{built}: {built.error}")
                continue
            self.stdout.write(f"{built}: {built.primes_total} primes, {built.row_count} rows ({built.progress}%)")
            paths += [built.xlsx_file.path, built.csv_file.path, built.csv_cp932_file.path]
            for problem in built.cp932_problems.splitlines():
                self.stderr.write(f"{built} Shift_JIS CSV: {problem}")
        for path in paths:
            self.stdout.write(path)
        if failed:
            raise CommandError(_("%(count)s lists failed.") % {"count": failed})
