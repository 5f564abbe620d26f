"""Money as the admin shows it: yen with thousands separators."""

from django.utils.translation import gettext as _


def yen(amount: int | None) -> str:
    """24000 → 24,000円; a dash when there is no amount."""
    return "-" if amount is None else _("%(amount)s yen") % {"amount": f"{amount:,}"}
