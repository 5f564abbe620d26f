from django import template

from outreach import selectors

register = template.Library()


@register.simple_tag
def last_scan():
    """The latest real (not dry) run of the daily scan, for the admin index."""
    return selectors.last_finished_scan()
