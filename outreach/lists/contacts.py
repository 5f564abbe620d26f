"""Each listed subcontractor's last contact (when, by which channel, how it ended), as SQL.

The contacts are every notice that went out (e-mail, postcard, a prime's list) and every
call an operator made, up to the end of the list's day. The CTEs here gather them for the
listed businesses only and keep the latest per business with a window function; the list's
INSERT … SELECT (outreach.lists.graph) joins them, so each row is written once with its
last contact: no query per row, on PostgreSQL and SQLite alike.

How a contact ended: a call's recorded outcome; a postcard posted, or returned if returned
mail names it; an e-mail sent, or bounced if a bounce of the business was recorded after it was sent; else
the notice's status (failed, uncertain, in a print batch).
"""

import datetime

from django.utils import timezone

from outreach.models import Bounce, CallAttempt, Channel, ContactOutcome, Notice, ReturnedMail

WENT_OUT = [Notice.Status.SENT, Notice.Status.FAILED, Notice.Status.UNCERTAIN, Notice.Status.PRINTING]

# Two CTEs to put after others that define `listed` (a column business_id): `contact`, every
# contact with those businesses, and `latest`, one row per business (business_id, at, channel, outcome).
LATEST_CONTACT_CTES = """
contact AS (
    SELECT n.business_id, COALESCE(n.sent_at, n.updated_at) AS at, n.channel,
        CASE
            WHEN n.channel = %s AND EXISTS (SELECT 1 FROM {returned} m WHERE m.notice_id = n.id) THEN %s
            WHEN n.channel = %s AND n.status = %s THEN %s
            WHEN n.channel = %s AND n.status = %s AND EXISTS (
                SELECT 1 FROM {bounce} x WHERE x.business_id = n.business_id AND x.created_at >= n.sent_at
            ) THEN %s
            ELSE n.status
        END AS outcome
    FROM {notice} n JOIN listed ON listed.business_id = n.business_id
    WHERE n.channel <> %s AND n.status IN ({went_out}) AND COALESCE(n.sent_at, n.updated_at) < %s
  UNION ALL
    SELECT n.business_id, a.started_at, %s, a.outcome
    FROM {attempt} a
    JOIN {notice} n ON n.id = a.notice_id
    JOIN listed ON listed.business_id = n.business_id
    WHERE a.started_at < %s
),
latest AS (
    SELECT business_id, at, channel, outcome FROM (
        SELECT business_id, at, channel, outcome,
            ROW_NUMBER() OVER (PARTITION BY business_id ORDER BY at DESC, channel) AS position
        FROM contact
    ) ranked
    WHERE position = 1
)
"""


def latest_contact_ctes(*, as_of: datetime.date) -> tuple[str, list]:
    """The SQL of the `contact` and `latest` CTEs up to the end of `as_of` (Asia/Tokyo), and their parameters."""
    until = timezone.make_aware(datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time()))
    sql = LATEST_CONTACT_CTES.format(
        returned=ReturnedMail._meta.db_table,
        bounce=Bounce._meta.db_table,
        notice=Notice._meta.db_table,
        attempt=CallAttempt._meta.db_table,
        went_out=", ".join(["%s"] * len(WENT_OUT)),
    )
    params = [
        Channel.POSTCARD.value, ContactOutcome.RETURNED.value,
        Channel.POSTCARD.value, Notice.Status.SENT.value, ContactOutcome.POSTED.value,
        Channel.EMAIL.value, Notice.Status.SENT.value, ContactOutcome.BOUNCED.value,
        Channel.PHONE.value, *(status.value for status in WENT_OUT), until,
        Channel.PHONE.value, until,
    ]  # fmt: skip
    return sql, params
