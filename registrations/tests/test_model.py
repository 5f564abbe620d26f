import datetime

import pytest
from django.db import IntegrityError, transaction

from registrations.models import Business
from registrations.tests.factories import AssociationFactory, BusinessFactory, LinkFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_business_cannot_subcontract_to_itself():
    business = BusinessFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        LinkFactory(prime=business, subcontractor=business)


def test_one_link_per_pair():
    link = LinkFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        LinkFactory(prime=link.prime, subcontractor=link.subcontractor)
    # The reverse direction is a different relation and is allowed.
    LinkFactory(prime=link.subcontractor, subcontractor=link.prime)


def test_one_membership_per_association():
    membership = MembershipFactory(association=AssociationFactory(code="ZENKEN"))
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(business=membership.business, association=membership.association)


def test_ccus_id_is_unique():
    BusinessFactory(ccus_id="11111111111111")
    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessFactory(ccus_id="11111111111111")


def test_bounce_flag_clears_when_the_email_changes():
    business = BusinessFactory(email_bounced_since=datetime.date(2026, 1, 5), do_not_email_since=None)
    business = Business.objects.get(pk=business.pk)
    business.phone = "03-9999-0000"
    business.save()
    business.refresh_from_db()
    assert business.email_bounced_since == datetime.date(2026, 1, 5)

    business.email = "new@example.jp"
    business.save()
    business.refresh_from_db()
    assert business.email_bounced_since is None


def test_undeliverable_flag_clears_when_the_address_changes_but_opt_outs_stay():
    business = BusinessFactory(
        address_undeliverable_since=datetime.date(2026, 2, 1), do_not_call_since=datetime.date(2026, 2, 1)
    )
    business = Business.objects.get(pk=business.pk)
    business.address = "千代田区千代田2-2"
    business.save()
    business.refresh_from_db()
    assert business.address_undeliverable_since is None
    assert business.do_not_call_since == datetime.date(2026, 2, 1)


def test_search_keys_follow_renames():
    business = BusinessFactory(name="株式会社髙橋工務店")
    business.name = "有限会社佐藤電気"
    business.save()
    assert Business.objects.search("佐藤電気").get() == business
    assert not Business.objects.search("高橋工務店").exists()
