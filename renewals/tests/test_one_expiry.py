"""One expiry date: every write path leaves Business.expires_on equal to its current term's.

The current Term is the truth; the business keeps an indexed copy for the register's
list, filters and the call queue. Each test runs a write path and checks both, without
running the scan or a sync (the scan used to reconcile them, for businesses changed since
its last run). The tests run inside the test's transaction, so nothing that happens after
a commit (on_commit hooks) could have done the work for the path.
"""

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from ccus import roles
from registrations.models import Business
from registrations.tests.factories import BusinessFactory, staff_user
from registrations.tests.files import business_row, csv_bytes
from renewals import services
from renewals.models import Term

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC)
INLINES = ["memberships", "terms", "renewal_cases", "notices", "returned_mail"]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(TODAY, tick=False):
        yield


def out_of_step() -> list[tuple[str, datetime.date, datetime.date | None]]:
    """Each business whose copy of the expiry is not its current term's: (ID, copy, term)."""
    terms = dict(Term.objects.filter(is_current=True).values_list("business_id", "expires_on"))
    return [
        (ccus_id, expires_on, terms.get(pk))
        for pk, ccus_id, expires_on in Business.objects.values_list("pk", "ccus_id", "expires_on")
        if terms.get(pk) != expires_on
    ]


def registered(**fields) -> Business:
    """A business and its first term, as a desk save or an import leaves them."""
    business = BusinessFactory(**fields)
    services.terms_sync(business_ids=[business.pk])
    return business


def import_file(tmp_path, rows) -> None:
    path = tmp_path / "register.csv"
    path.write_bytes(csv_bytes(rows))
    call_command("import_businesses", str(path), stdout=io.StringIO(), stderr=io.StringIO())


# Approval, re-registration, lapse: renewals' own paths.


def test_approval_moves_the_term_and_the_copy_together():
    business = registered(expires_on=D(2026, 12, 31))
    case = services.renewal_record_application(business=business, received_on=D(2026, 11, 20), channel="desk")
    services.renewal_approve(case=case, approved_on=D(2026, 11, 27))
    assert out_of_step() == []
    business.refresh_from_db()
    assert business.expires_on == D(2031, 12, 31)
    assert business.history.first().history_change_reason == f"更新承認（申請 {case.pk}）"


def test_registering_again_after_a_lapse_moves_the_term_and_the_copy_together():
    business = registered(registered_on=D(2015, 3, 2), expires_on=D(2020, 3, 31))
    services.mark_lapsed(today=D(2026, 11, 27))
    assert out_of_step() == []  # a lapse ends the term; it moves no date
    services.registration_restart(business=business, registered_on=D(2026, 11, 2))
    assert out_of_step() == []
    business.refresh_from_db()
    assert (business.registered_on, business.expires_on) == (D(2026, 11, 2), D(2031, 11, 30))


# The business file: the command and the admin import, composed in renewals.


def test_an_imported_file_gives_new_businesses_their_terms_and_moves_existing_ones(tmp_path):
    business = registered(ccus_id="12345678901235", registered_on=D(2021, 12, 10), expires_on=D(2026, 12, 31))
    import_file(
        tmp_path,
        [
            business_row(事業者ID="12345678901234"),  # new: 有効期限 computed from 登録日
            business_row(事業者ID="12345678901235", 登録日="2021/12/10", 有効期限="2027/01/31"),  # the master's date
        ],
    )
    assert out_of_step() == []
    new = Business.objects.get(ccus_id="12345678901234")
    assert new.terms.get().expires_on == D(2026, 12, 31)
    term = Term.objects.get(business=business, is_current=True)
    assert term.expires_on == D(2027, 1, 31)
    assert term.history.first().history_change_reason == "有効期間の同期"
    # Each term the sync wrote, as written, in its history (one statement per write on PostgreSQL).
    kept = ("history_type", "history_change_reason", "business_id", "starts_on", "expires_on", "is_current")
    assert list(term.history.values_list(*kept)[:1]) == [
        ("~", "有効期間の同期", business.pk, D(2021, 12, 10), D(2027, 1, 31), True)
    ]
    assert list(new.terms.get().history.values_list(*kept)) == [
        ("+", "有効期間の同期", new.pk, D(2021, 12, 10), D(2026, 12, 31), True)
    ]


def test_a_file_that_registers_a_lapsed_business_again_starts_its_new_term(tmp_path):
    business = registered(ccus_id="12345678901235", registered_on=D(2015, 3, 2), expires_on=D(2020, 3, 31))
    services.mark_lapsed(today=D(2026, 11, 27))
    import_file(tmp_path, [business_row(事業者ID="12345678901235", 登録日="2026/10/01", 有効期限="")])
    assert out_of_step() == []
    current = Term.objects.get(business=business, is_current=True)
    assert (current.origin, current.starts_on, current.expires_on) == (
        "reregistration",
        D(2026, 10, 1),
        D(2031, 10, 31),
    )


def test_a_stale_file_cannot_pull_a_renewed_business_back_before_its_term(tmp_path):
    business = registered(ccus_id="12345678901235", registered_on=D(2021, 12, 10), expires_on=D(2026, 12, 31))
    case = services.renewal_record_application(business=business, received_on=D(2026, 11, 20), channel="desk")
    services.renewal_approve(case=case, approved_on=D(2026, 11, 27))
    # The national master has not caught up yet: its file still says the old expiry.
    import_file(tmp_path, [business_row(事業者ID="12345678901235", 登録日="2021/12/10", 有効期限="2026/12/31")])
    assert out_of_step() == []
    business.refresh_from_db()
    assert business.expires_on == D(2031, 12, 31)


def test_the_admin_import_keeps_terms_in_step(client):
    client.force_login(staff_user(roles.DESK))
    registered(ccus_id="12345678901235", registered_on=D(2021, 12, 10), expires_on=D(2026, 12, 31))
    data = csv_bytes([business_row(), business_row(事業者ID="12345678901235", 有効期限="2027/01/31")])
    upload = SimpleUploadedFile("register.csv", data)
    response = client.post(
        "/admin/registrations/business/import/", {"format": "0", "resource": "0", "import_file": upload}
    )
    confirm = response.context["confirm_form"].initial
    response = client.post("/admin/registrations/business/process_import/", confirm, follow=True)
    assert "2行: 新規 1件、更新 1件、変更なし 0件" in response.content.decode()
    assert out_of_step() == []
    assert set(Term.objects.filter(is_current=True).values_list("expires_on", flat=True)) == {
        D(2026, 12, 31),
        D(2027, 1, 31),
    }


# The desk's business form: 登録日 on add only, 有効期限 computed; neither on change.


@pytest.fixture
def desk(client):
    client.force_login(staff_user(roles.DESK))
    return client


def change_form_data(response) -> dict:
    """What the browser would post back from a change page, every field as shown."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        elif value is not None and value is not False:
            data[name] = "on" if value is True else str(value)
    for prefix in INLINES:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def test_the_desk_change_form_has_no_date_fields_and_posted_dates_change_nothing(desk):
    business = registered(registered_on=D(2021, 12, 10), expires_on=D(2026, 12, 31))
    url = reverse("admin:registrations_business_change", args=[business.pk])
    response = desk.get(url)
    page = response.content.decode()
    assert 'name="registered_on"' not in page
    assert 'name="expires_on"' not in page
    assert "2026年12月31日" in page  # shown, read-only
    data = change_form_data(response) | {
        "registered_on": "2021-12-10",
        "expires_on": "2031-12-31",
        "name": "株式会社新商号",
    }
    response = desk.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    business.refresh_from_db()
    assert (business.name, business.registered_on, business.expires_on) == (
        "株式会社新商号",
        D(2021, 12, 10),
        D(2026, 12, 31),
    )
    assert Term.objects.get(business=business).expires_on == D(2026, 12, 31)
    assert out_of_step() == []


def test_the_desk_add_form_computes_the_expiry_from_the_registration_date(desk):
    url = reverse("admin:registrations_business_add")
    page = desk.get(url).content.decode()
    assert 'name="registered_on"' in page
    assert 'name="expires_on"' not in page
    assert "有効期限は登録日から計算されます" in page
    response = desk.post(
        url,
        {
            "ccus_id": "98765432109876",
            "entity_type": "individual",
            "name": "山田塗装",
            "prefecture": "13",
            "postal_code": "100-0001",
            "address": "千代田区千代田1-1",
            "registered_on": "2024-05-10",
            "expires_on": "2034-05-31",  # ten years typed: ignored
            **{f"{prefix}-{field}": "0" for prefix in INLINES for field in ["TOTAL_FORMS", "INITIAL_FORMS"]},
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    business = Business.objects.get(ccus_id="98765432109876")
    assert business.expires_on == D(2029, 5, 31)
    assert business.terms.get().expires_on == D(2029, 5, 31)
    assert out_of_step() == []
