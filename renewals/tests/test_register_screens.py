"""The register as the desk reads it.

The list: renewal status, days left in the urgency colour, phone; the renewal filters first and
the long ones as drop-downs. The business page: the renewal panel on top, what each step did,
money with thousands separators.
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ccus import roles
from outreach.models import AssociationStaff
from registrations.models import Prefecture
from registrations.tests.factories import AssociationFactory, BusinessFactory, MembershipFactory, staff_user
from renewals import services
from renewals.admin import URGENCY_COLOURS, urgency_colour
from renewals.models import FeeRate, Target

pytestmark = pytest.mark.django_db
D = datetime.date
CHANGELIST = reverse("admin:registrations_business_changelist")
NOW = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
RED, ORANGE = URGENCY_COLOURS[0][1], URGENCY_COLOURS[1][1]


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def desk(client, frozen_today):
    """The registration desk, logged in."""
    client.force_login(staff_user(roles.DESK))
    return client


def _row(page: str, business) -> str:
    """The list's table row of one business."""
    rows = re.findall(r"<tr>.*?</tr>", page, re.S)
    return next(row for row in rows if business.ccus_id in row)


def _cell(row: str, column: str) -> str:
    match = re.search(rf'<td class="field-{column}[^"]*">(.*?)</td>', row, re.S)
    return match.group(1) if match else ""


def test_columns_show_renewal_status_days_left_in_the_urgency_colour_and_phone(desk):
    soon = BusinessFactory(expires_on=D(2026, 12, 20), phone="045-123-4567", name="有限会社佐藤塗装")
    pending = BusinessFactory(expires_on=D(2027, 2, 10))
    lapsed = BusinessFactory(expires_on=D(2026, 11, 15))
    services.terms_sync()
    services.renewal_record_application(business=pending, received_on=D(2026, 11, 20), channel="desk")
    page = desk.get(CHANGELIST).content.decode()
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', page)
    assert headers == [
        "ccus_id", "name", "prefecture", "phone", "renewal_status_display", "days_left_display", "expires_on",
    ]  # fmt: skip
    assert "更新状況" in page and "残り日数" in page and "電話" in page

    row = _row(page, soon)
    assert _cell(row, "phone") == "045-123-4567"
    assert _cell(row, "renewal_status_display") == "更新申請受付期間"
    assert f'style="color:{RED}">23日<' in _cell(row, "days_left_display")
    assert f'style="color:{ORANGE}">75日<' in _cell(_row(page, pending), "days_left_display")
    assert _cell(_row(page, pending), "renewal_status_display") == "申請処理中"
    assert f'style="color:{RED}">12日超過<' in _cell(_row(page, lapsed), "days_left_display")


def test_the_colour_rule_is_one_function_of_days_left():
    assert [urgency_colour(days) for days in (-3, 0, 30)] == [RED] * 3
    assert urgency_colour(31) == urgency_colour(90) == ORANGE
    assert urgency_colour(181) == urgency_colour(2000) != urgency_colour(180)


def test_renewal_status_of_a_page_costs_one_query_whatever_the_rows(desk):
    BusinessFactory.create_batch(2)
    services.terms_sync()
    with CaptureQueriesContext(connection) as few:
        assert desk.get(CHANGELIST).status_code == 200
    BusinessFactory.create_batch(30)
    services.terms_sync()
    with CaptureQueriesContext(connection) as many:
        page = desk.get(CHANGELIST).content.decode()
    assert len(many) == len(few)
    assert page.count('class="field-renewal_status_display">-<') == 0  # every shown row has its status


def test_renewal_filters_lead_the_sidebar_and_long_lists_are_drop_downs(desk):
    AssociationFactory()
    page = desk.get(CHANGELIST).content.decode()
    sidebar = page[page.index('id="changelist-filter"') :]
    titles = re.findall(r'<details data-filter-title="([^"]+)"', sidebar)
    assert titles[:2] == ["更新状況", "残り日数"]
    dropdowns = re.findall(r'<select class="dropdown-filter" aria-label="([^"]+)"', sidebar)
    assert dropdowns == ["都道府県", "業種", "業種グループ", "有効期限の月", "所属団体", "資本金区分"]
    assert sidebar.count("<option") >= 47 + 36  # prefectures and months are options, not links
    assert "registrations/dropdown_filter.js" in page


def test_a_drop_down_choice_filters_the_list(desk):
    BusinessFactory(expires_on=D(2027, 1, 31))
    osaka = BusinessFactory(expires_on=D(2027, 1, 31), prefecture=Prefecture.objects.get(code="27"))
    page = desk.get(CHANGELIST).content.decode()
    option = re.search(rf'<option value="([^"]+)">{osaka.prefecture.name}</option>', page).group(1)
    response = desk.get(CHANGELIST + option.replace("&amp;", "&"))
    assert list(response.context["cl"].result_list) == [osaka]


def test_association_staff_see_status_and_days_left_but_no_phone(client):
    association = AssociationFactory()
    member = BusinessFactory(expires_on=D(2026, 12, 20))
    MembershipFactory(business=member, association=association)
    BusinessFactory()  # not a member: not listed
    services.terms_sync()
    user = staff_user(roles.ASSOCIATION_STAFF)
    AssociationStaff.objects.create(user=user, association=association)
    client.force_login(user)
    page = client.get(CHANGELIST).content.decode()
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', page)
    assert headers == ["ccus_id", "name", "prefecture", "renewal_status_display", "days_left_display", "expires_on"]
    assert member.phone not in page and "capital" not in page
    sidebar = page[page.index('id="changelist-filter"') :]
    assert re.findall(r'data-filter-title="([^"]+)"', sidebar) == [
        "更新状況", "残り日数", "都道府県", "業種", "業種グループ", "有効期限の月",
    ]  # fmt: skip


IN_WINDOW = D(2026, 12, 31)


def _business(expires_on=IN_WINDOW, **fields):
    business = BusinessFactory(expires_on=expires_on, **fields)
    services.terms_sync(business_ids=[business.pk])
    return business


def _page(client, business) -> str:
    return client.get(reverse("admin:registrations_business_change", args=[business.pk])).content.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_panel_on_top_shows_status_days_left_pending_application_and_next_step(desk):
    business = _business()
    services.renewal_record_application(business=business, received_on=D(2026, 11, 20), channel="desk")
    page = _page(desk, business)
    panel = page[page.index('id="renewal-panel"') : page.index("</fieldset>", page.index('id="renewal-panel"'))]
    assert page.index('id="renewal-panel"') < page.index('name="name"')  # above the editable fields
    text = _text(panel)
    assert "更新状況: 申請処理中" in text
    assert "残り日数: 残り34日 （有効期限 2026-12-31）" in text
    assert "審査待ちの申請: 2026-11-20 受付（窓口）、手数料 24,000円" in text
    assert "次の手続き: 申請内容を確認し、承認してください。" in text
    assert 'id="approve-link"' in page


def test_panel_without_an_application_says_so_and_the_approve_link_is_not_offered(desk):
    business = _business(D(2028, 3, 31))
    page = _page(desk, business)
    text = _text(page[page.index('id="renewal-panel"') :])
    assert "審査待ちの申請: なし" in text
    assert "次の手続き: 更新の受付は 2027-10-01 から始まります。" in text
    assert 'id="approve-link"' not in page
    approve = desk.get(reverse("admin:registrations_business_approve_application", args=[business.pk]))
    assert "承認待ちの申請はありません。" in approve.content.decode()
    assert 'name="approved_on"' not in approve.content.decode()


def test_every_action_of_the_page_is_a_link_styled_alike(desk):
    page = _page(desk, _business())
    tools = page[page.index('class="object-tools"') : page.index("</ul>", page.index('class="object-tools"'))]
    assert "<button" not in tools and "<form" not in tools
    assert tools.count("<a ") == tools.count("<li>") >= 4


def test_recording_says_what_happened_with_the_fee(desk):
    business = _business()
    url = reverse("admin:registrations_business_record_application", args=[business.pk])
    page = desk.post(url, {"received_on": "2026-11-27", "channel": "desk"}, follow=True).content.decode()
    assert "更新申請を受け付けました（手数料 24,000円）" in page
    assert "24,000円" in _text(page[page.index("renewal_cases") :])  # the application's row, with separators


def test_approving_says_the_new_expiry(desk):
    business = _business()
    services.renewal_record_application(business=business, received_on=D(2026, 11, 20), channel="desk")
    url = reverse("admin:registrations_business_approve_application", args=[business.pk])
    page = desk.post(url, {"approved_on": "2026-11-27"}, follow=True).content.decode()
    assert "承認しました。新しい有効期限は 2031-12-31 です" in page


def test_a_refused_step_shows_its_error_once(desk):
    business = _business(D(2028, 3, 31))  # the renewal window is not open yet
    url = reverse("admin:registrations_business_record_application", args=[business.pk])
    page = desk.post(url, {"received_on": "2026-11-27", "channel": "desk"}).content.decode()
    assert '<h2 id="step-title">更新申請を受け付ける</h2>' in page  # which step this page is
    assert page.count("有効期限の6か月前") == 1
    assert page.count('class="errornote"') == 1 and "errorlist nonfield" not in page


def test_association_staff_see_the_status_but_not_the_application(client):
    association = AssociationFactory()
    business = _business()
    MembershipFactory(business=business, association=association)
    services.renewal_record_application(business=business, received_on=D(2026, 11, 20), channel="desk")
    user = staff_user(roles.ASSOCIATION_STAFF)
    AssociationStaff.objects.create(user=user, association=association)
    client.force_login(user)
    text = _text(_page(client, business))
    assert "更新状況: 申請処理中" in text and "残り34日" in text
    assert "審査待ちの申請" not in text and "24,000" not in text and "次の手続き" not in text


def test_money_has_thousands_separators_in_the_renewal_lists(client):
    client.force_login(staff_user(roles.SUPERVISOR))
    business = _business()
    services.renewal_record_application(business=business, received_on=D(2026, 11, 20), channel="desk")
    cases = client.get(reverse("admin:renewals_renewalcase_changelist")).content.decode()
    assert "24,000円" in cases
    rates = client.get(reverse("admin:renewals_feerate_changelist")).content.decode()
    assert f"{FeeRate.objects.order_by('amount').last().amount:,}円" in rates
    Target.objects.create(fiscal_year=2026, renewals=12000, new_registrations=3000, fee_budget=480_000_000)
    targets = client.get(reverse("admin:renewals_target_changelist")).content.decode()
    assert "480,000,000円" in targets and "12,000" in targets
    case = business.renewal_cases.get()
    detail = client.get(reverse("admin:renewals_renewalcase_change", args=[case.pk])).content.decode()
    assert "24,000円" in detail


def test_the_list_offers_no_approval_form_when_none_of_the_selected_is_pending(desk):
    selected = [_business().pk, _business(D(2028, 3, 31)).pk]
    response = desk.post(CHANGELIST, {"action": "approve_application", "_selected_action": selected}, follow=True)
    page = response.content.decode()
    assert 'name="approved_on"' not in page
    assert page.count("選択した事業者に承認待ちの申請はありません。") == 1
