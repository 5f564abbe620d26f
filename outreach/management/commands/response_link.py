"""Print the answer page's link for a business's latest notice (the desk reads it out or re-sends it)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from outreach import answer_links
from outreach.models import Notice
from registrations import normalize


class Command(BaseCommand):
    help = "Print, as the last line, the full URL of the answer page for a business's latest notice."

    def add_arguments(self, parser):
        parser.add_argument("ccus_id", help="事業者ID (14 digits)")

    def handle(self, *args, ccus_id: str, **options):
        with translation.override(settings.LANGUAGE_CODE):
            digits = normalize.digits(ccus_id)
            notice = (
                Notice.objects.select_related("business")
                .filter(business__ccus_id=digits)
                .order_by("-created_at", "-pk")
                .first()
            )
            if notice is None:
                raise CommandError(
                    _("Business %(id)s has no notice, so it has no answer page.") % {"id": ccus_id}, returncode=1
                )
            now = timezone.now()
            url = answer_links.url_for(notice, now=now)
            until = timezone.localtime(now) + answer_links.max_age()
            self.stdout.write(f"{notice.business.name} ({notice.business.ccus_id})")
            self.stdout.write(
                _("Notice: %(channel)s of %(date)s; the link works until %(until)s.")
                % {
                    "channel": notice.get_channel_display(),
                    "date": formats.date_format(notice.due_on, "Y-m-d"),
                    "until": formats.date_format(until, "Y-m-d H:i"),
                }
            )
            self.stdout.write(url)
