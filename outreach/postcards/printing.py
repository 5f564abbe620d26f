"""The mechanics of a postcard print batch: claim notices, find the unprintable, write the files.

The workflow around them (start, build, post, cancel) is in outreach/postcards/services.py.
"""

import datetime
import tempfile
from collections.abc import Callable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_noop

from ccus.history import history_record_bulk, reason
from outreach import answer_links, rendering, routing, variables
from outreach.models import Channel, Notice, NoticeTemplate, PostcardBatch
from outreach.postcards import customer_barcode, sender
from outreach.postcards.mail_house_csv import PostcardCsv
from outreach.postcards.pdf import Card, PostcardPdf, missing_glyphs
from registrations import postal

CHUNK = 500


def claim(batch: PostcardBatch) -> int:
    """Take every queued postcard notice scheduled up to the batch's date, in one statement.

    On PostgreSQL the rows are locked with SKIP LOCKED, so a concurrent build takes
    other notices, never the same ones; SQLite serialises writers by itself.
    """
    lock = "FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE outreach_notice SET status = %(printing)s, batch_id = %(batch)s, updated_at = %(now)s
            WHERE status = %(queued)s AND id IN (
                SELECT id FROM outreach_notice
                WHERE channel = %(postcard)s AND status = %(queued)s AND scheduled_for <= %(day)s
                {lock})
            """,
            {
                "printing": Notice.Status.PRINTING.value,
                "queued": Notice.Status.QUEUED.value,
                "postcard": Channel.POSTCARD.value,
                "batch": batch.pk,
                "day": batch.for_date,
                "now": timezone.now(),
            },
        )
        claimed = cursor.rowcount
    history_record_bulk(
        batch.notices.filter(status=Notice.Status.PRINTING),
        operation=reason(gettext_noop("postcard batch %(batch)s claimed"), batch=batch.pk),
        user=batch.created_by,
    )
    return claimed


def exclusion_reason(business: Mapping[str, Any]) -> str:
    """Why a postcard to this business cannot be printed, or ''.

    `business` holds the fields the postcard rules read (routing.fields) and the
    prefecture's name: first the rules every channel decision uses (routing.UNREACHABLE),
    then what only Japan Post's data tells, which the daily scan cannot see.
    """
    if reason := routing.unusable_reason_of(business, Channel.POSTCARD):
        return reason
    prefectures = postal.prefectures_for(business["postal_code"])
    if not prefectures:
        return Notice.Reason.POSTAL_UNKNOWN
    if business["prefecture"] not in prefectures:
        return Notice.Reason.POSTAL_ELSEWHERE
    return ""


def unprintable(batch: PostcardBatch) -> list[tuple[int, str]]:
    """(notice id, reason) of the batch's notices that cannot be printed, in one pass over the batch.

    A notice whose template's wording cannot be filled is left out too, so that one broken
    template never stops the whole batch.
    """
    printing = batch.notices.filter(status=Notice.Status.PRINTING)
    templates = NoticeTemplate.objects.filter(pk__in=printing.values("template_id"))
    texts = templates.values_list("pk", "subject", "body")
    broken = {
        pk
        for pk, subject, body in texts
        if variables.problems(subject, channel=Channel.POSTCARD) or variables.problems(body, channel=Channel.POSTCARD)
    }
    names = list(dict.fromkeys([*routing.fields(Channel.POSTCARD), "postal_code"]))
    rows = printing.values_list("pk", "template_id", "business__prefecture__name", *(f"business__{n}" for n in names))
    found = []
    for notice_id, template_id, prefecture, *values in rows.iterator(chunk_size=2_000):
        reason = exclusion_reason({**dict(zip(names, values, strict=True)), "prefecture": prefecture})
        if reason or template_id in broken:
            found.append((notice_id, reason or Notice.Reason.RENDER_FAILED))
    return found


def card_for(notice: Notice, *, today: datetime.date) -> Card:
    """Render the notice's wording and address; the text is stored on the notice too."""
    business = notice.business
    notice.subject, notice.body = rendering.render_notice(notice, today=today)
    address = f"{business.prefecture.name}{business.address}"
    card = Card(
        ccus_id=business.ccus_id,
        postal_code=business.postal_code,
        address=address,
        name=business.name,
        subject=notice.subject,
        body=notice.body.strip(),
        customer_barcode=customer_barcode.data(business.postal_code, address) or "",
        answer_url=answer_links.url_for(notice),
    )
    notice.recipient = f"〒{card.postal_code_display} {card.address} {card.addressee}"
    return card


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk


def _problems(number: int, card: Card, cp932: dict[str, str]) -> list[dict]:
    """One entry per field with characters the CSV (CP932) or the font could not hold."""
    fields = {"宛名": card.name, "住所": card.address, "本文": card.body, "件名": card.subject}
    entries = []
    for field, text in fields.items():
        font = missing_glyphs(text)
        csv_chars = cp932.get(field, "")
        if font or csv_chars:
            entries.append({"row": number, "ccus_id": card.ccus_id, "field": field, "cp932": csv_chars, "font": font})
    return entries


def write_files(batch: PostcardBatch, *, today: datetime.date, progress: Callable[[int], None]) -> dict:
    """Render every notice of the batch into the PDF and both CSVs, chunk by chunk; store the files.

    Returns the stored file names, the number of cards and the character problems.
    """
    notices = (
        batch.notices.filter(status=Notice.Status.PRINTING)
        .select_related("business__prefecture", "term", "template")
        .order_by("business__postal_code", "pk")
    )
    stem = f"postcards/{batch.for_date:%Y}/batch-{batch.pk:06d}-{batch.for_date:%Y%m%d}"
    problems: list[dict] = []
    written = 0
    with tempfile.TemporaryDirectory(prefix="postcards-") as folder:
        paths = {kind: Path(folder) / f"batch.{kind}" for kind in ("pdf", "cp932.csv", "utf8.csv")}
        with (
            paths["pdf"].open("wb") as pdf_file,
            paths["cp932.csv"].open("w", encoding="cp932", newline="") as cp932_file,
            paths["utf8.csv"].open("w", encoding="utf-8-sig", newline="") as utf8_file,
        ):
            who, postage = sender.sender(), sender.postage()
            pdf = PostcardPdf(
                pdf_file,
                title=f"CCUS はがき 印刷バッチ #{batch.pk} ({batch.for_date})",
                sender=who,
                postage=postage,
                draw_postal_boxes=settings.POSTCARD_DRAW_POSTAL_BOXES,
            )
            sheet = PostcardCsv(cp932_file, utf8_file, sender=who, postage=postage)
            for chunk in _chunks(notices.iterator(chunk_size=CHUNK), CHUNK):
                for notice in chunk:
                    written += 1
                    card = card_for(notice, today=today)
                    pdf.add(card)
                    problems += _problems(written, card, sheet.add(written, card))
                Notice.objects.bulk_update(chunk, ["subject", "body", "recipient"])
                history_record_bulk(
                    Notice.objects.filter(pk__in=[n.pk for n in chunk]),
                    operation=reason(gettext_noop("postcard batch %(batch)s printed"), batch=batch.pk),
                    user=batch.created_by,
                )
                progress(written)
            if written:
                pdf.close()
        names = {
            "pdf": _store(paths["pdf"], f"{stem}.pdf") if written else "",
            "csv_cp932": _store(paths["cp932.csv"], f"{stem}-cp932.csv"),
            "csv_utf8": _store(paths["utf8.csv"], f"{stem}-utf8.csv"),
        }
    return {**names, "written": written, "problems": problems}


def _store(path: Path, name: str) -> str:
    with path.open("rb") as handle:
        return default_storage.save(name, File(handle, name=Path(name).name))
