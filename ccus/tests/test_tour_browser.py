"""The Monday tour: each role logs in through the form in Chromium and opens its main screens.

Every screen is saved as a full-page screenshot under var/tour/<role>-<screen>.png (for a person to look
at) and checked for what a clerk would trip on: visible English (the same extraction and allow-list as
test_japanese_screens), the role's own title on the home page, the business name on the call screen,
list pages that do not scroll sideways at 1366 px, the register's columns and short sidebar, and the
renewal panel on top of the business page. A second tour is the desk's Saturday: confirmations that
say when a reminder really goes out, and success messages that say what happened.
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
SATURDAY = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=JST)
SHOTS = settings.BASE_DIR / "var" / "tour"
# The page itself does not scroll sideways (a wide table may scroll inside its own box).
PAGE_FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
# The register's first columns; association staff see no contact data (outreach.lists.scoping).
REGISTER_COLUMNS = ["事業者ID", "商号", "都道府県", "電話", "更新状況", "残り日数", "有効期限"]
# Each name in the register's list on one line: its link is a single box.
NAMES_ON_ONE_LINE = """() => [...document.querySelectorAll('#result_list td.field-name a')]
    .filter(link => link.getClientRects().length !== 1).map(link => link.textContent)"""
# Above this the sidebar would be the old list of every prefecture, trade and month.
SIDEBAR_MAX_PX = 1400
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
    return {"prime": prime, "association": association, "pending": subcontractors[1], "too_early": subcontractors[2]}


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


def _check_register_list(page, role: str) -> None:
    """Status, days left (coloured) and phone as columns, names on one line, renewal filters first, a short sidebar."""
    columns = page.locator("#result_list thead th:not(.action-checkbox-column)")
    headers = [text.strip() for text in columns.all_inner_texts()]
    expected = [c for c in REGISTER_COLUMNS if not (role == roles.ASSOCIATION_STAFF and c == "電話")]
    assert headers[: len(expected)] == expected, headers
    assert page.locator("#result_list td.field-days_left_display strong[style*=color]").count() > 0
    assert page.evaluate(NAMES_ON_ONE_LINE) == []
    filters = page.locator("#changelist-filter details").evaluate_all("(all) => all.map(d => d.dataset.filterTitle)")
    assert filters[:2] == ["更新状況", "残り日数"], filters
    assert page.locator("#changelist-filter").bounding_box()["height"] < SIDEBAR_MAX_PX


def _check_business_page(page, role: str) -> None:
    """The renewal panel above the editable fields; the desk's next step in it."""
    panel = page.locator("#renewal-panel")
    first_fields = page.locator("fieldset.module:not(#renewal-panel)").first
    assert panel.bounding_box()["y"] < first_fields.bounding_box()["y"]
    text = panel.inner_text()
    assert "更新状況" in text and "残り日数" in text and "残り177日" in text, text
    assert ("次の手続き" in text) == (role != roles.ASSOCIATION_STAFF), text


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
            if screen == "business-list":
                _check_register_list(page, role)
            if screen == "business":
                _check_business_page(page, role)
            if screen == "call":
                task = CallTask.objects.select_related("notice__business").get(pk=page.url.split("/")[-3])
                name = page.locator("#call-business")
                assert name.is_visible() and name.inner_text().startswith(task.notice.business.name)


def _message(page) -> str:
    return " ".join(page.locator("ul.messagelist li").all_inner_texts())


def test_desk_saturday_confirms_sends_and_reads_what_happened(new_page):
    """On a Saturday the desk approves, records, and sends a reminder that goes out on Monday at 9:00."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(MONDAY_MORNING, tick=False):
        register = _register()
        user = staff_user(roles.DESK, "tour-desk-saturday")
    pending = register["pending"]
    with time_machine.travel(SATURDAY, tick=True):
        page = new_page(timezone_id="Asia/Tokyo", viewport={"width": 1366, "height": 900})
        log_in(page, user.username)
        page.goto("/admin/registrations/business/")
        _check_register_list(page, roles.DESK)
        lapsed = page.locator("#result_list tr", has_text="有限会社佐藤塗装")
        assert lapsed.locator("td.field-days_left_display").inner_text() == "8日超過"
        _look(page, roles.DESK, "saturday-business-list")

        # A pending application: approve it from the page's top.
        page.goto(f"/admin/registrations/business/{pending.pk}/change/")
        assert "申請処理中" in page.locator("#panel-status").inner_text()
        assert "24,000円" in page.locator("#panel-pending").inner_text()
        _look(page, roles.DESK, "saturday-business-pending")
        with page.expect_navigation():
            page.click("#approve-link")
        page.click("input[type=submit]")
        page.wait_for_url(f"**/business/{pending.pk}/change/")
        assert "承認しました。新しい有効期限は 2031-12-31 です" in _message(page)
        assert page.locator("#approve-link").count() == 0  # nothing pending any more
        _look(page, roles.DESK, "saturday-approved")

        # A reminder asks first, and says it really goes out on Monday at 9:00.
        prime = register["prime"]
        page.goto(f"/admin/registrations/business/{prime.pk}/change/")
        page.click("#send-reminder-link")
        assert page.locator("#send-when").inner_text() == "月曜 9:00 に送信されます。"
        _look(page, roles.DESK, "saturday-send-confirm")
        page.click("#confirm-send")
        page.wait_for_url(f"**/business/{prime.pk}/change/")
        assert "メールによる督促を送信待ちにしました。月曜 9:00 に送信されます。" in _message(page)

        # Recording an application says its fee; a refused one says why, once.
        with page.expect_navigation():
            page.click("text=更新申請を受け付ける")
        page.click("input[type=submit]")
        page.wait_for_url(f"**/business/{prime.pk}/change/")
        assert "更新申請を受け付けました（手数料 24,000円）" in _message(page)
        assert "24,000円" in page.locator("#panel-pending").inner_text()
        _look(page, roles.DESK, "saturday-recorded")
        page.goto(f"/admin/registrations/business/{register['too_early'].pk}/record-application/")
        page.click("input[type=submit]")
        page.locator(".errornote").wait_for()
        assert page.locator(".errornote").count() == 1
        assert page.locator("text=有効期限の6か月前").count() == 1
        _look(page, roles.DESK, "saturday-refused")
