import datetime

import factory
from django.contrib.auth.models import Group, User

from registrations.models import Association, Business, Membership, Prefecture, SubcontractLink


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    ccus_id = factory.Sequence(lambda n: f"{20_000_000_000_000 + n}")
    entity_type = Business.EntityType.CORPORATION
    name = factory.Sequence(lambda n: f"株式会社テスト建設{n}")
    name_kana = factory.Sequence(lambda n: f"カブシキガイシャテストケンセツ{n}")
    capital = 10_000_000
    prefecture = factory.LazyFunction(lambda: Prefecture.objects.get(code="13"))
    postal_code = "1000001"
    address = "千代田区千代田1-1"
    phone = "03-1234-5678"
    email = factory.Sequence(lambda n: f"office{n}@example.jp")
    representative = "山田 太郎"
    registered_on = datetime.date(2021, 12, 10)
    expires_on = datetime.date(2026, 12, 31)


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Association
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"ASSOC{n}")
    name = factory.Sequence(lambda n: f"テスト協会{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    business = factory.SubFactory(BusinessFactory)
    association = factory.SubFactory(AssociationFactory)


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubcontractLink

    prime = factory.SubFactory(BusinessFactory)
    subcontractor = factory.SubFactory(BusinessFactory)
    tier = 1


def staff_user(role: str, username: str | None = None, password: str = "pass-Word-1234") -> User:
    """A staff user in one of the role groups (ccus.roles)."""
    user = User.objects.create_user(username or f"user-{role}", password=password, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user
