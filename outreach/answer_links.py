"""The signed link to the answer page of a notice: issued, checked, revoked.

A token names the notice, its business and the moment it was issued, and carries an
HMAC of the three under the project's SECRET_KEY (Django's `salted_hmac`, the primitive
of django.core.signing, with its own salt). Nothing in it can be derived from the
事業者ID, and changing any character breaks the MAC. Tokens are short enough to type
from a postcard: lower-case base32 without the letters people misread (i, l, o, u), and
what a person types is read back leniently (capitals, full-width, O for 0, I and L for 1).

A token is good when its MAC matches, its notice still belongs to that business, it is
younger than settings.ANSWER_LINK_MAX_AGE_DAYS and no revocation of its notice came at
or after its issue. Every other case is the same "no" (`notice_for` returns None), so
the page that follows reveals nothing about why.
"""

import datetime
import re
import unicodedata

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from outreach.models import AnswerLinkRevocation, Notice

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base32, lower case
SALT = "outreach.answer_links"
MAC_LENGTH = 16  # 80 bits, behind a rate limit
SHAPE = re.compile(rf"([0-9a-z]{{1,13}})-([0-9a-z]{{1,13}})-([0-9a-z]{{1,13}})-([0-9a-z]{{{MAC_LENGTH}}})")
MAX_TOKEN_LENGTH = 64
# Clocks differ a little between web servers: a token "issued" this far ahead still passes.
CLOCK_SKEW = datetime.timedelta(minutes=5)
_MISREAD = str.maketrans({"o": "0", "i": "1", "l": "1"})


def _encode(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 32)
        digits = ALPHABET[digit] + digits
        if not number:
            return digits


def _decode(text: str) -> int | None:
    if any(char not in ALPHABET for char in text):
        return None
    number = 0
    for char in text:
        number = number * 32 + ALPHABET.index(char)
    return number


def _mac(notice_id: int, business_id: int, issued: int) -> str:
    digest = salted_hmac(SALT, f"{notice_id}:{business_id}:{issued}", algorithm="sha256").digest()
    bits = int.from_bytes(digest, "big")
    return "".join(ALPHABET[(bits >> (5 * index)) & 31] for index in range(MAC_LENGTH))


def token_for(notice: Notice, *, now: datetime.datetime | None = None) -> str:
    issued = int((now or timezone.now()).timestamp())
    parts = (_encode(notice.pk), _encode(notice.business_id), _encode(issued))
    return "-".join((*parts, _mac(notice.pk, notice.business_id, issued)))


def url_for(notice: Notice, *, now: datetime.datetime | None = None) -> str:
    """The full address of the notice's answer page (settings.ANSWER_PAGE_BASE_URL)."""
    path = reverse("answer_page", kwargs={"token": token_for(notice, now=now)})
    return settings.ANSWER_PAGE_BASE_URL.rstrip("/") + path


def normalise(token: str) -> str:
    """What a person typed, as the token it means (full-width, capitals and misread letters undone)."""
    return unicodedata.normalize("NFKC", token[: MAX_TOKEN_LENGTH * 2]).strip().lower().translate(_MISREAD)


def notice_for(token: str, *, now: datetime.datetime | None = None) -> Notice | None:
    """The notice a good token is for, or None for anything else (see the module docstring)."""
    if len(token) > MAX_TOKEN_LENGTH * 2:
        return None
    match = SHAPE.fullmatch(normalise(token))
    if not match:
        return None
    notice_id, business_id, issued = (_decode(part) for part in match.groups()[:3])
    if not constant_time_compare(match[4], _mac(notice_id, business_id, issued)):
        return None
    now = now or timezone.now()
    issued_at = datetime.datetime.fromtimestamp(issued, tz=datetime.UTC)
    if issued_at > now + CLOCK_SKEW or now - issued_at > max_age():
        return None
    notice = Notice.objects.select_related("business", "term").filter(pk=notice_id, business_id=business_id).first()
    if notice is None or AnswerLinkRevocation.objects.filter(notice=notice, revoked_at__gte=issued_at).exists():
        return None
    return notice


def max_age() -> datetime.timedelta:
    return datetime.timedelta(days=settings.ANSWER_LINK_MAX_AGE_DAYS)


def revoke(*, notice: Notice, user=None, reason: str = "", now: datetime.datetime | None = None) -> None:
    """Every link of the notice issued until now stops working; one issued afterwards works."""
    AnswerLinkRevocation.objects.create(notice=notice, revoked_at=now or timezone.now(), revoked_by=user, reason=reason)
