"""Bounce lists: flag the e-mail of every business in an uploaded list, all or nothing.

A list is a CSV (UTF-8 with or without BOM, or CP932) or an XLSX with one e-mail
address or 事業者ID per row, optionally under a header (メールアドレス or 事業者ID),
read by `ccus.tabular.open_table` under the same rules and limits as every import. The flag makes
the ladder fall back from e-mail (the scan and the sender read it); a Bounce row keeps
what was reported, for the contact timeline. The mail provider's hard bounces
(outreach.delivery) go through the same `bounces_record`.
"""

import datetime
import io
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ccus.history import reason, update_with_history
from ccus.tabular import TabularError, header_key, open_table, shown
from outreach.models import Bounce
from registrations.models import Business

EMAIL_HEADERS = {"メールアドレス", "email", "e-mail", "mail"}
ID_HEADERS = {"事業者id", "ccus_id", "business id"}
EXPONENT = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.IGNORECASE)
CCUS_ID = re.compile(r"^\d{14}$")


class BounceListError(Exception):
    """The list has errors; nothing was recorded. `errors` are lines for the desk."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@contextmanager
def _cells(data: bytes) -> Iterator[Iterator[tuple[int, str]]]:
    """(row number, cell) for the column holding addresses or IDs, read by the one table reader.

    The column is the first headed メールアドレス or 事業者ID; a list without such a
    header is one column whose first row is data.
    """
    try:
        with open_table(io.BytesIO(data), listing=True) as table:
            headers = table.headers
            known = [i for i, name in enumerate(headers) if header_key(name) in EMAIL_HEADERS | ID_HEADERS]
            column = known[0] if known else 0
            first = [] if known or not headers else [(1, headers[0])]
            rows = itertools.chain(first, ((number, record.get(column, "")) for number, record in table))
            yield ((number, unicodedata.normalize("NFKC", cell).strip()) for number, cell in rows)
    except TabularError as error:
        raise BounceListError([str(error)]) from error


def _classify(cells: Iterable[tuple[int, str]]) -> tuple[dict[str, int], dict[str, int], list[tuple[int, str]]]:
    """Split the cells into e-mail addresses and IDs (each with its first row), and row errors."""
    emails, ids, errors = {}, {}, []
    for number, cell in cells:
        problem = ""
        if not cell:
            continue
        if "@" in cell:
            try:
                validate_email(cell)
                emails.setdefault(cell.lower(), number)
            except ValidationError:
                problem = _("Row %(row)s: %(value)s is not a valid e-mail address.")
        elif EXPONENT.match(cell):
            problem = _("Row %(row)s: %(value)s is an ID Excel turned into an exponent; format the column as text.")
        elif CCUS_ID.match(cell):
            ids.setdefault(cell, number)
        else:
            problem = _("Row %(row)s: %(value)s is neither an e-mail address nor a 14-digit business ID.")
        if problem:
            errors.append((number, problem % {"row": number, "value": shown(cell)}))
    return emails, ids, errors


def bounces_record_list(*, data: bytes, file_name: str, bounced_on: datetime.date, user=None) -> int:
    """Record a bounce list; returns the number of businesses flagged. Raises BounceListError."""
    with _cells(data) as cells:
        emails, ids, errors = _classify(cells)
    found_emails: dict[str, list[Business]] = {}
    by_email = Business.objects.annotate(email_key=Lower("email")).filter(email_key__in=list(emails))
    for business in by_email.only("pk", "email"):
        found_emails.setdefault(business.email.lower(), []).append(business)
    found_ids = {b.ccus_id: b for b in Business.objects.filter(ccus_id__in=list(ids)).only("pk", "ccus_id", "email")}
    for email, number in emails.items():
        if email not in found_emails:
            message = _("Row %(row)s: no business has the e-mail address %(value)s.")
            errors.append((number, message % {"row": number, "value": email}))
    for ccus_id, number in ids.items():
        business = found_ids.get(ccus_id)
        if business is None or not business.email:
            message = (
                _("Row %(row)s: no business has the business ID %(value)s.")
                if business is None
                else _("Row %(row)s: business %(value)s has no e-mail address to flag.")
            )
            errors.append((number, message % {"row": number, "value": ccus_id}))
    if errors:
        raise BounceListError([message for _number, message in sorted(errors)])
    businesses = {b.pk: b for group in found_emails.values() for b in group} | {b.pk: b for b in found_ids.values()}
    if not businesses:
        raise BounceListError([_("The file lists no e-mail address or business ID.")])
    bounces_record(
        emails={pk: b.email for pk, b in businesses.items()},
        bounced_on=bounced_on,
        source=Bounce.Source.UPLOAD,
        operation=reason(gettext_noop("bounce list %(file)s"), file=file_name),
        file_name=file_name,
        user=user,
    )
    return len(businesses)


@transaction.atomic
def bounces_record(
    *, emails: dict[int, str], bounced_on: datetime.date, source: str, operation: str, file_name: str = "", user=None
) -> None:
    """Flag these businesses' e-mail as bounced, a Bounce row each: the one rule for a list and the provider alike.

    `emails` maps business ids to the address that bounced. The flag makes the ladder fall
    back from e-mail (routing reads it); a business already flagged keeps its first date.
    """
    Bounce.objects.bulk_create(
        Bounce(
            business_id=pk,
            email=email,
            bounced_on=bounced_on,
            source=source,
            file_name=file_name[:200],
            recorded_by=user,
        )
        for pk, email in emails.items()
    )
    update_with_history(
        Business.objects.filter(pk__in=list(emails), email_bounced_since__isnull=True),
        operation=operation,
        user=user,
        email_bounced_since=bounced_on,
    )
