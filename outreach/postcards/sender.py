"""Who a postcard comes from and how its postage is paid, from the settings; checked before a batch.

A card without the sender's address cannot come back (returned-mail handling depends on
it), and a card on plain stock without a postage mark is not accepted at the counter.
So a batch refuses to start, before it claims anything, until both are configured
(README: Postcards).
"""

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from outreach.desk import desk_phone

# POSTCARD_POSTAGE_MARK: how the postage of cards printed on plain stock is paid, or NONE when
# the cards are printed on 官製はがき / 私製はがき stock already bearing postage (nothing is drawn).
SEPARATE = "料金別納"
DEFERRED = "料金後納"
NONE = "none"
POSTAGE_MARKS = (SEPARATE, DEFERRED, NONE)


@dataclass(frozen=True)
class Postage:
    """The postage mark drawn on the address side; `mark` NONE draws neither it nor 郵便はがき."""

    mark: str
    post_office: str = ""
    approval: str = ""

    @property
    def drawn(self) -> bool:
        return self.mark != NONE

    @property
    def lines(self) -> list[str]:
        """The mark's text, top to bottom, as drawn in its frame (Japan Post's 料金別納/後納 表示)."""
        if self.mark == SEPARATE:
            return [self.post_office, "料金別納", "郵便"]
        if self.mark == DEFERRED:
            return [self.post_office, "料金後納", "郵便", f"承認番号 {self.approval}"]
        return []

    @property
    def description(self) -> str:
        """One line for the print shop's CSV, saying what the PDF draws."""
        if not self.drawn:
            return "なし（切手・料額印面つきの用紙に印刷）"
        return " ".join(line for line in self.lines if line)


@dataclass(frozen=True)
class Sender:
    name: str
    postal_code: str  # seven digits
    address: tuple[str, ...]  # one entry per printed line
    phone: str

    @property
    def postal_code_display(self) -> str:
        return f"〒{self.postal_code[:3]}-{self.postal_code[3:]}"

    @property
    def lines(self) -> list[str]:
        return [self.postal_code_display, *self.address, self.name, f"TEL {self.phone}"]


def _postal_code(value: str) -> str:
    digits = re.sub(r"[-‐−ー\s]", "", unicodedata.normalize("NFKC", value or ""))
    return digits if re.fullmatch(r"\d{7}", digits) else ""


def sender() -> Sender:
    return Sender(
        name=settings.POSTCARD_SENDER_NAME.strip(),
        postal_code=_postal_code(settings.POSTCARD_SENDER_POSTAL_CODE),
        address=tuple(line.strip() for line in settings.POSTCARD_SENDER_ADDRESS if line.strip()),
        phone=desk_phone(),
    )


def postage() -> Postage:
    return Postage(
        mark=settings.POSTCARD_POSTAGE_MARK.strip(),
        post_office=settings.POSTCARD_POST_OFFICE.strip(),
        approval=settings.POSTCARD_POSTAGE_APPROVAL.strip(),
    )


def problems() -> list[str]:
    """What is missing before a batch may be printed (Japanese, one entry each); empty when ready."""
    found = []
    who = sender()
    if not who.name:
        found.append(_("The sender's name is not set (POSTCARD_SENDER_NAME)."))
    if not who.postal_code:
        found.append(_("The sender's postal code is not set or not 7 digits (POSTCARD_SENDER_POSTAL_CODE)."))
    if not who.address:
        found.append(_("The sender's address is not set (POSTCARD_SENDER_ADDRESS)."))
    if not who.phone:
        found.append(_("The desk's phone number is not set or is not a real number (DESK_PHONE, e.g. 03-1234-5678)."))
    paid = postage()
    if paid.mark not in POSTAGE_MARKS:
        found.append(
            _("Set how postage is paid (POSTCARD_POSTAGE_MARK): 料金別納, 料金後納, or none for stock bearing postage.")
        )
    elif paid.drawn and not paid.post_office:
        found.append(_("%(mark)s needs the post office's name (POSTCARD_POST_OFFICE).") % {"mark": paid.mark})
    if paid.mark == DEFERRED and not paid.approval:
        found.append(_("料金後納 needs the approval number (POSTCARD_POSTAGE_APPROVAL)."))
    return found
