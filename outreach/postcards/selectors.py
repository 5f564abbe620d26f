"""Postcards on the contact timeline (returned mail, the print batches a business's postcards went in),
and the work waiting: batches to print, returned mail whose address is still to be corrected."""

from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from outreach.models import Notice, PostcardBatch, ReturnedMail
from outreach.timeline import Kind, day, events, label


def batches_to_print() -> QuerySet:
    """Batches built and ready for the print shop."""
    return PostcardBatch.objects.filter(status=PostcardBatch.Status.READY)


def returned_mail_unhandled() -> QuerySet:
    """Returned postcards whose business's address is still flagged undeliverable: nobody has corrected it yet
    (correcting the postal code, prefecture or address lifts the flag)."""
    return ReturnedMail.objects.filter(business__address_undeliverable_since__isnull=False)


def _returned_mail(business_id: int) -> QuerySet:
    return events(
        ReturnedMail.objects.filter(business_id=business_id),
        at=day("returned_on"),
        kind="returned_mail",
        a=F("batch_id"),
    )


def _returned(event):
    batch = _("print batch #%(id)s") % {"id": event.a} if event.a else ""
    return _("returned mail (宛所不明)"), _("address flagged undeliverable"), batch


def _postcard_batches(business_id: int) -> QuerySet:
    return events(
        Notice.objects.filter(business_id=business_id, batch__isnull=False),
        at=Coalesce("batch__built_at", "batch__created_at"),
        kind="postcard_batch",
        a=F("batch_id"),
        b=F("batch__status"),
    )


def _postcard_batch(event):
    return _("postcard print batch"), label(PostcardBatch.Status, event.b), f"#{event.a}"


POSTCARD_KINDS = [
    Kind("returned_mail", _returned_mail, _returned, date_only=True),
    Kind("postcard_batch", _postcard_batches, _postcard_batch),
]
