from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach import services
from outreach.models import Channel, Notice
from outreach.postcards import sender
from outreach.postcards import services as postcard_services
from outreach.postcards.pdf import PostcardPdf
from outreach.postcards.printing import card_for


class Command(BaseCommand):
    help = (
        "Draw one postcard of the register (both sides, as a print batch would) to a PDF, "
        "for the README's images (make postcard-images). Nothing is written to the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="the PDF file to write")

    def handle(self, *args, output, **options):
        try:
            postcard_services.sender_check()
        except services.OutreachError as error:
            raise CommandError(str(error)) from error
        notice = (
            Notice.objects.filter(channel=Channel.POSTCARD, status__in=[Notice.Status.QUEUED, Notice.Status.PRINTING])
            .select_related("business__prefecture", "term", "template")
            .order_by("scheduled_for", "pk")
            .first()
        )
        if notice is None:
            raise CommandError(_("No postcard is waiting: seed the demo and run the reminders first."))
        with open(output, "wb") as handle:
            pdf = PostcardPdf(
                handle,
                title="CCUS はがき 見本",
                sender=sender.sender(),
                postage=sender.postage(),
                draw_postal_boxes=settings.POSTCARD_DRAW_POSTAL_BOXES,
            )
            pdf.add(card_for(notice, today=timezone.localdate()))
            pdf.close()
        self.stdout.write(f"postcard_sample: {notice.business.ccus_id} → {output}")
