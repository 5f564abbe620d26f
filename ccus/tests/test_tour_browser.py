"""The Monday tour: each role logs in through the form in Chromium and opens its main screens.

Every screen is saved as a full-page screenshot under var/tour/<role>-<screen>.png (for a person to look
at) and checked for what a clerk would trip on: visible English (the same extraction and allow-list as
test_japanese_screens), the role's own title on the home page, the business name on the call screen,
and list pages that do not scroll sideways at 1366 px.
"""

import datetime

import pytest
import time_machine
from django.conf import settings

from ccus import roles
from ccus.tests.test_japanese_screens import english_words
from outreach.lists import services as lists
from outreach.models import AssociationStaff, CallTask, SubcontractorList
from outreach.reports import snapshots
from outreach.tests.factories import business_expiring, phone_notice, policy_with_steps
from registrations.tests.factories import AssociationFactory, LinkFactory, MembershipFactory, staff_user
from registrations.tests.test_browser import log_in
from renewals import services as renewal_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
JST = datetime.timezone(datetime.timedelta(hours=9))
MONDAY_MORNING = datetime.datetime(2026, 10, 5, 9, 30, tzinfo=JST)
TODAY = MONDAY_MORNING.date()
SHOTS = settings.BASE_DIR / "var" / "tour"
# The page itself does not scroll sideways (a wide table may scroll inside its own box).
PAGE_FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
ROLE_SLUGS = {
    roles.DESK: "desk",
    roles.OPERATOR: "operator",
    roles.SUPERVISOR: "supervisor",
    roles.ASSOCIATION_STAFF: "association",
    roles.ADMINISTRATOR: "administrator",
}


def _register():
    """A small believable register: a prime with a few subcontractors, an association, a phone ladder."""
    policy = policy_with_steps(("phone", 60, 15))
    policy.steps.update(name="電話（60日前）")
    prime = business_expiring(datetime.date(2027, 3, 31), name="株式会社髙橋建設", phone="03-3210-4567")
    subcontractors = [
        business_expiring(datetime.date(2026, 11, 20), name="有限会社佐藤塗装", phone="045-123-4567"),
        business_expiring(datetime.date(2026, 12, 10), name="鈴木電気工事株式会社", phone="06-6543-2109"),
        business_expiring(datetime.date(2027, 8, 31), name="田中左官工業", phone="052-987-6543"),
    ]
    for tier, subcontractor in enumerate(subcontractors, start=1):
        LinkFactory(prime=prime, subcontractor=subcontractor, tier=min(tier, 2))
    association = AssociationFactory(code="A1301", name="東京建設業協会")
    for business in [prime, *subcontractors]:
        MembershipFactory(business=business, association=association)
    renewal_services.renewal_record_application(business=subcontractors[1], received_on=TODAY, channel="desk")
    phone_notice(datetime.date(2026, 11, 25), today=TODAY, name="株式会社山本工務店")
    association_list = lists.subcontractor_list_build(
        list_id=lists.subcontractor_list_request(association=association, as_of=TODAY).pk
    )
    assert association_list.status == SubcontractorList.Status.DONE, association_list.error
    snapshots.snapshot_refresh(today=TODAY)
    return {"prime": prime, "association": association}


def _screens(role: str, register) -> list[tuple[str, str, bool]]:
    """(screen, URL or an action name, is a list page) in the order the role would open them."""
    business = f"/admin/registrations/business/{register['prime'].pk}/change/"
    history = f"/admin/registrations/business/{register['prime'].pk}/history/"
    register_list = ("business-list", "/admin/registrations/business/", True)
    return {
        roles.DESK: [register_list, ("business", business, False), ("import", "import", False)],
        roles.OPERATOR: [
            ("call-queue", "/admin/outreach/calltask/", True),
            ("call", "take-next", False),
            register_list,
            ("business", business, False),
        ],
        roles.SUPERVISOR: [
            ("dashboard", "/admin/outreach/dashboard/", False),
            ("segments", "/admin/outreach/dashboard/segments/", True),
            register_list,
            ("business", business, False),
        ],
        roles.ASSOCIATION_STAFF: [
            ("subcontractor-lists", "/admin/outreach/subcontractorlist/", True),
            ("subcontractor-list-rows", "/admin/outreach/subcontractorlistrow/", True),
            register_list,
            ("business", business, False),
        ],
        roles.ADMINISTRATOR: [
            ("periodic-tasks", "/admin/django_celery_beat/periodictask/", True),
            register_list,
            ("business", business, False),
            ("history", history, False),
        ],
    }[role]


def _open(page, where: str) -> None:
    if where == "import":
        page.goto("/admin/registrations/business/")
        page.click("a.import_link")
        page.wait_for_url("**/admin/registrations/business/import/")
    elif where == "take-next":
        page.goto("/admin/outreach/calltask/")
        page.click("#take-next")
        page.wait_for_url("**/call/")
    else:
        response = page.goto(where)
        assert response.status == 200, where


def _look(page, role: str, screen: str) -> None:
    """Save the screenshot, then fail on any English word a person sees on it."""
    page.screenshot(path=str(SHOTS / f"{ROLE_SLUGS[role]}-{screen}.png"), full_page=True)
    english = english_words(page.content())
    assert not english, f"{role} {screen} ({page.url}): {sorted(english)}"


@pytest.mark.parametrize("role", roles.ALL_ROLES)
def test_each_role_tours_its_main_screens_in_japanese(new_page, role):
    SHOTS.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(MONDAY_MORNING, tick=True):
        register = _register()
        user = staff_user(role, f"tour-{ROLE_SLUGS[role]}")
        if role == roles.ASSOCIATION_STAFF:
            AssociationStaff.objects.create(user=user, association=register["association"])
        page = new_page(timezone_id="Asia/Tokyo", viewport={"width": 1366, "height": 900})
        log_in(page, user.username)
        assert page.inner_text("#content h1") == role, "the home page is the role's"
        assert role in page.title()
        _look(page, role, "home")
        for screen, where, is_list in _screens(role, register):
            _open(page, where)
            _look(page, role, screen)
            if is_list:
                assert page.evaluate(PAGE_FITS), f"{role} {screen} scrolls sideways at 1366 px"
            if screen == "call":
                task = CallTask.objects.select_related("notice__business").get(pk=page.url.split("/")[-3])
                name = page.locator("#call-business")
                assert name.is_visible() and name.inner_text().startswith(task.notice.business.name)
