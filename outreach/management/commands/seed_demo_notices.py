import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from outreach.models import Channel, Notice, NoticeTemplate
from registrations.models import Business

# Past notices rotate through these channels; their templates are the first of each.
CHANNELS = [Channel.EMAIL, Channel.POSTCARD, Channel.PHONE]


class Command(BaseCommand):
    help = (
        "Give the demo register years of sent notices (PostgreSQL): top the notices table up to "
        "--per-business times the businesses, spread over the past five years."
    )

    def add_arguments(self, parser):
        parser.add_argument("--per-business", type=int, default=10, help="notices per business in all (default 10)")

    def handle(self, *args, per_business, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_demo_notices writes with generate_series: run it on PostgreSQL.")
        if per_business < 1:
            raise CommandError("--per-business must be at least 1")
        templates = {}
        for channel, pk in NoticeTemplate.objects.order_by("pk").values_list("channel", "pk"):
            templates.setdefault(channel, pk)
        if missing := [c for c in CHANNELS if c not in templates]:
            raise CommandError(f"no notice template for {', '.join(missing)}: run migrate first")
        businesses = Business.objects.count()
        wanted = per_business * businesses - Notice.objects.count()
        if businesses == 0 or wanted <= 0:
            self.stdout.write("seed_demo_notices: the notices table is full enough; nothing added")
            return
        started = time.monotonic()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(INSERT, _params(templates, wanted, businesses))
            added = cursor.rowcount
        self.stdout.write(f"seed_demo_notices: {added:,} sent notices in {time.monotonic() - started:.1f}s")


def _params(templates: dict, wanted: int, businesses: int) -> dict:
    return {
        "today": timezone.localdate(),
        "now": timezone.now(),
        "rounds": -(-wanted // businesses),
        "wanted": wanted,
        "email": Channel.EMAIL.value,
        "postcard": Channel.POSTCARD.value,
        "phone": Channel.PHONE.value,
        "email_template": templates[Channel.EMAIL],
        "postcard_template": templates[Channel.POSTCARD],
        "phone_template": templates[Channel.PHONE],
        "sent": Notice.Status.SENT.value,
    }


# Round g of business b was due (g × 170 + b mod 160) days ago, so rounds spread over five
# years; the channel turns with the round. No step: these are sent notices of the past.
INSERT = """
    WITH past AS (
        SELECT b.id AS business_id, b.email,
               (ARRAY[%(email)s, %(postcard)s, %(phone)s])[1 + (g + b.id) %% 3] AS channel,
               %(today)s::date - (g * 170 + b.id %% 160)::int AS due_on
        FROM registrations_business b CROSS JOIN generate_series(1, %(rounds)s) AS g
        ORDER BY g, b.id
        LIMIT %(wanted)s
    )
    INSERT INTO outreach_notice (
        business_id, term_id, step_id, template_id, channel, status, reason, fallback_reason, due_on,
        scheduled_for, recipient, subject, body, attempts, last_error, scan_run_id, batch_id,
        created_at, updated_at, sent_at)
    SELECT p.business_id,
           (SELECT t.id FROM renewals_term t WHERE t.business_id = p.business_id AND t.starts_on <= p.due_on
            ORDER BY t.starts_on DESC LIMIT 1),
           NULL,
           CASE p.channel WHEN %(email)s THEN %(email_template)s WHEN %(postcard)s THEN %(postcard_template)s
                ELSE %(phone_template)s END,
           p.channel, %(sent)s, '', '', p.due_on, p.due_on,
           CASE WHEN p.channel = %(email)s THEN p.email ELSE '' END, '', '', 1, '', NULL, NULL,
           p.due_on + time '09:00', p.due_on + time '10:00', p.due_on + time '10:00'
    FROM past p
"""
