"""The mail provider's reports: each tracking event recorded once, and its effect on the ladder.

django-anymail's webhook view checks the provider's signature and basic auth, turns each
event into an `AnymailTrackingEvent` and sends its `tracking` signal (anymail's API);
`tracking_received`, connected in OutreachConfig.ready, hands it to `delivery_event_record`:

- hard bounce, or a rejection because the address is invalid or bounced before: the
  address is flagged bounced exactly as a bounce list flags it (`bounces.bounces_record`),
  so the next rung falls back to postcard;
- soft bounce: counted; once SOFT_BOUNCE_LIMIT distinct messages to the address soft-bounced
  since its last delivery, it is flagged as for a hard bounce;
- complaint: the businesses using the address are not e-mailed any more (do-not-e-mail);
- each of these, and delivered, is recorded on the notice the event names.

An event already recorded (same provider, same event id) changes nothing, so a provider's
retry after an error, or its duplicate delivery, is harmless. A recipient that no notice
and no business knows is logged and kept, never an error (the provider would retry it).
"""

import datetime
import hashlib
import json
import logging

from anymail.signals import AnymailTrackingEvent, EventType, RejectReason
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_noop

from ccus.history import reason, update_with_history
from outreach.bounces import bounces_record
from outreach.models import Bounce, Channel, Delivery, DeliveryEvent, Notice
from registrations.models import Business

logger = logging.getLogger(__name__)

# Postmark reports a soft bounce as anymail's "bounced"; only its own Type tells them apart.
POSTMARK_SOFT_TYPES = {"SoftBounce"}
# A rejection for these reasons says the address itself does not work.
ADDRESS_REJECTIONS = {RejectReason.INVALID, RejectReason.BOUNCED}
# The kinds that may change a business (the others are only recorded).
FLAGGING = {Delivery.HARD_BOUNCE, Delivery.SOFT_BOUNCE, Delivery.REJECTED, Delivery.COMPLAINT}


def delivery_kind(event: AnymailTrackingEvent) -> str | None:
    """What the event means for us, or None for events we do not act on (opens, clicks …)."""
    if event.event_type == EventType.BOUNCED:
        raw = event.esp_event if isinstance(event.esp_event, dict) else {}
        return Delivery.SOFT_BOUNCE if raw.get("Type") in POSTMARK_SOFT_TYPES else Delivery.HARD_BOUNCE
    return {
        EventType.DELIVERED: Delivery.DELIVERED,
        EventType.DEFERRED: Delivery.SOFT_BOUNCE,
        EventType.REJECTED: Delivery.REJECTED,
        EventType.COMPLAINED: Delivery.COMPLAINT,
    }.get(event.event_type)


def event_key(event: AnymailTrackingEvent) -> str:
    """The provider's event id, or (Postmark's deliveries carry none) a digest of the event as sent."""
    if event.event_id:
        return str(event.event_id)[:200]
    raw = json.dumps(event.esp_event, sort_keys=True, default=str, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def _notice_lookup(event: AnymailTrackingEvent) -> tuple[str, list]:
    """SQL (a scalar subquery) for the notice the event is about: by the id our sender put in its
    metadata, else by the provider's message id; NULL when neither names one."""
    table = Notice._meta.db_table
    notice_id = str((event.metadata or {}).get("notice", ""))
    if notice_id.isdigit():
        return f"(SELECT id FROM {table} WHERE id = %s AND channel = %s)", [int(notice_id), Channel.EMAIL.value]
    if event.message_id:
        return f"(SELECT min(id) FROM {table} WHERE provider_message_id = %s)", [event.message_id]
    return "NULL", []


def _stored_once(
    provider: str, kind: str, event: AnymailTrackingEvent, *, address: str, occurred_at
) -> tuple[bool, int | None]:
    """Insert the event unless (provider, event id) is there already: (stored by this call, its notice id).

    One statement, ON CONFLICT DO NOTHING, the notice found inside it: a concurrent duplicate
    waits for the first and then inserts nothing, with no error and no savepoint (the
    webhook's hot path is a round trip or two per event).
    """
    key = event_key(event)
    notice_sql, notice_params = _notice_lookup(event)
    values = [
        provider,
        key,
        kind,
        address[:254],
        (event.message_id or key)[:200],
        *notice_params,
        (event.description or event.mta_response or "")[:500],
        occurred_at,
        timezone.now(),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {DeliveryEvent._meta.db_table}
                (provider, event_id, kind, recipient, message_id, notice_id, description, occurred_at, received_at)
                VALUES (%s, %s, %s, %s, %s, {notice_sql}, %s, %s, %s)
                ON CONFLICT (provider, event_id) DO NOTHING RETURNING notice_id""",
            values,
        )
        row = cursor.fetchone()
    return row is not None, row[0] if row else None


def _businesses_using(address: str) -> dict[int, str]:
    """Business id → e-mail of every business whose address this is now (case aside)."""
    if not address:
        return {}
    found = Business.objects.annotate(email_key=Lower("email")).filter(email_key=address)
    return dict(found.values_list("pk", "email"))


def _soft_bounces_since_delivery(address: str) -> int:
    """Distinct messages to the address that soft-bounced after its last delivery."""
    events = DeliveryEvent.objects.filter(recipient=address)
    delivered = events.filter(kind=Delivery.DELIVERED).aggregate(last=Max("occurred_at"))["last"]
    soft = events.filter(kind=Delivery.SOFT_BOUNCE)
    if delivered:
        soft = soft.filter(occurred_at__gt=delivered)
    return soft.values("message_id").distinct().count()


def _flag_bounced(emails: dict[int, str], *, provider: str, on: datetime.date, operation: str) -> None:
    bounces_record(emails=emails, bounced_on=on, source=Bounce.Source.PROVIDER, operation=operation, file_name=provider)


def _apply(kind: str, event: AnymailTrackingEvent, emails: dict[int, str], *, provider: str, address: str) -> None:
    """The event's effect on the businesses using the address (`emails`)."""
    if not emails:
        return
    on = timezone.localdate(event.timestamp or timezone.now())
    if kind == Delivery.HARD_BOUNCE or (kind == Delivery.REJECTED and event.reject_reason in ADDRESS_REJECTIONS):
        operation = reason(gettext_noop("mail provider %(provider)s: hard bounce"), provider=provider)
        _flag_bounced(emails, provider=provider, on=on, operation=operation)
    elif kind == Delivery.SOFT_BOUNCE and _soft_bounces_since_delivery(address) >= settings.OUTREACH_SOFT_BOUNCE_LIMIT:
        operation = reason(gettext_noop("mail provider %(provider)s: repeated soft bounces"), provider=provider)
        _flag_bounced(emails, provider=provider, on=on, operation=operation)
    elif kind == Delivery.COMPLAINT:
        update_with_history(
            Business.objects.filter(pk__in=list(emails), do_not_email_since__isnull=True),
            operation=reason(gettext_noop("mail provider %(provider)s: spam complaint"), provider=provider),
            do_not_email_since=on,
        )


def delivery_event_record(*, provider: str, event: AnymailTrackingEvent) -> str:
    """Record one tracking event once and apply its effect; returns what happened.

    Steps, in one transaction: classify (events we do not act on are "ignored"); insert
    the event under its unique (provider, event id), or stop ("duplicate"); record it on
    its notice unless a later report is there already; flag the businesses using the
    address. "unknown" when neither a notice nor a business knows the recipient.
    """
    kind = delivery_kind(event)
    if kind is None:
        return "ignored"
    address = (event.recipient or "").strip().lower()
    occurred_at = event.timestamp or timezone.now()
    with transaction.atomic():
        stored, notice_id = _stored_once(provider, kind, event, address=address, occurred_at=occurred_at)
        if not stored:
            return "duplicate"
        if notice_id is not None:
            Notice.objects.filter(pk=notice_id).filter(
                Q(delivery_at__isnull=True) | Q(delivery_at__lte=occurred_at)
            ).update(delivery=kind, delivery_at=occurred_at)
        emails = _businesses_using(address) if kind in FLAGGING or notice_id is None else {}
        _apply(kind, event, emails, provider=provider, address=address)
    if notice_id is None and not emails:
        logger.warning("%s reported %s for %r, which no notice or business knows", provider, kind, address)
        return "unknown"
    return kind


def tracking_received(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    """anymail's tracking signal → the service (connected in OutreachConfig.ready)."""
    delivery_event_record(provider=esp_name, event=event)
