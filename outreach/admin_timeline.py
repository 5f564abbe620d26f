"""The contact timeline as the admin shows it: the core's kinds of event and every wing's.

Like the admin, this module composes the rooms: the core's timeline knows no wing.
"""

from outreach import timeline
from outreach.calls.selectors import CALL_KINDS
from outreach.lists.selectors import LIST_KINDS
from outreach.postcards.selectors import POSTCARD_KINDS

KINDS = [*timeline.CORE_KINDS, *CALL_KINDS, *POSTCARD_KINDS, *LIST_KINDS]


def contact_timeline(*, business_id: int, limit: int = 200) -> list[timeline.TimelineEvent]:
    return timeline.contact_timeline(business_id=business_id, kinds=KINDS, limit=limit)


def render_timeline(business_id: int) -> str:
    return timeline.render_timeline(business_id, kinds=KINDS)
