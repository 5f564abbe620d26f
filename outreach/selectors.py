"""Read queries of the core: the last scan, troubled notices, the desk's morning check."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min

from outreach.models import (
    Channel,
    Heartbeat,
    Notice,
    ScanRun,
)


def last_finished_scan():
    """The latest real (not dry) scan that finished, or None."""
    return ScanRun.objects.filter(dry_run=False, finished_at__isnull=False).first()


def uncertain_notices():
    """Notices whose sending may or may not have happened: the desk checks and resolves each."""
    return Notice.objects.filter(status=Notice.Status.UNCERTAIN)


def notices_troubled(*, since: datetime.datetime) -> dict[str, int]:
    """Notices that became uncertain or failed since a moment: what the desk must look at."""
    rows = Notice.objects.filter(status__in=[Notice.Status.UNCERTAIN, Notice.Status.FAILED], updated_at__gte=since)
    counts = dict(rows.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in (Notice.Status.UNCERTAIN, Notice.Status.FAILED)}


def _created_per_channel(counts: dict) -> str:
    """'e-mail 120, postcard 8' from a scan's counts."""
    return ", ".join(
        f"{Channel(channel).label} {entry['created']}"
        for channel, entry in counts.items()
        if channel in Channel.values and entry["created"]
    )


@dataclass
class MorningCheckData:
    """What the desk looks at each morning (see MorningCheckAdmin)."""

    scans: list
    sent: list[dict]
    failed: list
    uncertain: list
    uncertain_total: int
    waiting: list[dict]
    heartbeats: dict


def morning_check(*, today: datetime.date, limit: int = 50) -> MorningCheckData:
    """Yesterday's and today's scans, yesterday's sends per channel, failures, uncertain notices, batches waiting."""
    yesterday = today - datetime.timedelta(days=1)
    sent = (
        Notice.objects.filter(status=Notice.Status.SENT, sent_at__date=yesterday)
        .values("channel")
        .annotate(n=Count("pk"))
        .order_by("channel")
    )
    problems = Notice.objects.select_related("business").order_by("-updated_at")
    failed = problems.filter(status=Notice.Status.FAILED, updated_at__date__gte=yesterday)
    uncertain = problems.filter(status=Notice.Status.UNCERTAIN)
    waiting = (
        Notice.objects.filter(status=Notice.Status.QUEUED, channel__in=[Channel.POSTCARD, Channel.PRIME_LIST])
        .values("channel")
        .annotate(n=Count("pk"), oldest=Min("due_on"))
        .order_by("channel")
    )
    scans = ScanRun.objects.filter(for_date__gte=yesterday, dry_run=False).order_by("-started_at")[:10]
    return MorningCheckData(
        scans=[(run, _created_per_channel(run.counts)) for run in scans],
        sent=[{**row, "channel": Channel(row["channel"]).label} for row in sent],
        failed=list(failed[:limit]),
        uncertain=list(uncertain[:limit]),
        uncertain_total=uncertain.count(),
        waiting=[{**row, "channel": Channel(row["channel"]).label} for row in waiting],
        heartbeats={name.label: Heartbeat.last(name) for name in Heartbeat.Name},
    )
