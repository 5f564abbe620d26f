"""Notices with answer links, for the answer page's tests."""

import datetime

from outreach import scan
from outreach.models import Notice
from outreach.tests.factories import business_expiring, policy_with_steps

D = datetime.date
JST = datetime.timezone(datetime.timedelta(hours=9))
TODAY = D(2026, 12, 1)
NOW = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=JST)  # a Tuesday morning
EXPIRES = D(2027, 3, 31)


def ladder():
    """E-mail 120 days before expiry, a postcard at 90, a call at 60 (and not later than 30 before)."""
    return policy_with_steps(("email", 120, 100), ("postcard", 90, 70), ("phone", 60, 30))


def emailed_business(**fields):
    """A business expiring 2027-03-31 whose e-mail rung the scan of TODAY wrote; returns (business, notice)."""
    business = business_expiring(EXPIRES, email="info@example.jp", **fields)
    scan.run_scan(today=TODAY)
    return business, Notice.objects.get(business=business, channel="email")
