"""Access scoping, in one place (ARCHITECTURE principle 7).

Association staff see their association's member companies and those members'
subcontractor lists, nothing else. Every changelist, change view, export and file
download asks `scoped()`; anything it does not know is hidden from them.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from ccus import roles
from outreach.models import AssociationStaff, ListDelivery, SubcontractorList, SubcontractorListRow
from registrations.models import Association, Business, Membership

# Fields of a business association staff may see: what a list shows, no contact data.
ASSOCIATION_STAFF_BUSINESS_FIELDS = ["ccus_id", "name", "prefecture", "trades", "expires_on"]


def association_of(user) -> Association | None:
    """The association a user works for, or None for the council's own staff."""
    if not user.is_authenticated:
        return None
    staff = AssociationStaff.objects.filter(user=user).select_related("association").first()
    return staff.association if staff else None


def is_association_staff(user) -> bool:
    """Tied to an association, or in the association staff group (then without one: sees nothing)."""
    if not user.is_authenticated or user.is_superuser:
        return False
    return association_of(user) is not None or user.groups.filter(name=roles.ASSOCIATION_STAFF).exists()


def scoped(queryset: QuerySet, user) -> QuerySet:
    """The part of `queryset` that `user` may see."""
    if not is_association_staff(user):
        return queryset
    association = association_of(user)
    if association is None:
        return queryset.none()
    members = Membership.objects.filter(association=association)
    model = queryset.model
    if model is Business:
        return queryset.filter(Exists(members.filter(business=OuterRef("pk"))))
    lists = SubcontractorList.objects.filter(
        Q(association=association) | Q(Exists(members.filter(business=OuterRef("prime_id"))), scope="prime")
    )
    if model is SubcontractorList:
        return queryset.filter(pk__in=lists.values("pk"))
    if model in (SubcontractorListRow, ListDelivery):
        return queryset.filter(snapshot__in=lists.values("pk"))
    return queryset.none()
