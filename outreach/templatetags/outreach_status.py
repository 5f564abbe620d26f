from django import template

from outreach.models import ScanRun

register = template.Library()


@register.simple_tag
def last_scan():
    """The latest real (not dry) run of the daily scan, for the admin index."""
    return ScanRun.objects.filter(dry_run=False, finished_at__isnull=False).first()
