from django import template

from outreach import selectors

register = template.Library()


@register.simple_tag
def last_scan():
    """The latest real (not dry) run of the daily scan, for the admin index."""
    return selectors.last_finished_scan()


@register.filter
def percent(share: float | None) -> str:
    """0.8 → '80.0%'; an empty share (nothing to measure) → '–'."""
    return "–" if share is None else f"{share * 100:.1f}%"
