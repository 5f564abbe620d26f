"""Access scoping, in one place (ARCHITECTURE principle 7).

Association staff see their association's member companies and those members'
subcontractor lists, nothing else. Every changelist, change view, export and file
download asks `scoped()` which rows a user may see, and every page that shows a row's
fields (change page, history, list columns, filters, search) asks `visible_fields()`
which of them; anything either does not know is hidden from association staff.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from ccus import roles
from outreach.models import AssociationStaff, ListDelivery, SubcontractorList, SubcontractorListRow
from registrations.models import Association, Business, Membership

# Fields of a business association staff may see: what a list shows, no contact data.
ASSOCIATION_STAFF_BUSINESS_FIELDS = ["ccus_id", "name", "prefecture", "trades", "expires_on"]
# Models association staff see whole, once `scoped()` has let the row through.
ASSOCIATION_STAFF_WHOLE_MODELS = (SubcontractorList, SubcontractorListRow, ListDelivery)


def association_of(user) -> Association | None:
    """The association a user works for, or None for the council's own staff."""
    return _tie(user)[0] if user.is_authenticated else None


def is_association_staff(user) -> bool:
    """Tied to an association, or in the association staff group (then without one: sees nothing)."""
    if not user.is_authenticated or user.is_superuser:
        return False
    association, in_group = _tie(user)
    return association is not None or in_group


def _tie(user) -> tuple[Association | None, bool]:
    """(the user's association, whether they are in the association staff group), read once per user
    object: each request loads its own, and a page asks many times."""
    if not hasattr(user, "_association_tie"):
        staff = AssociationStaff.objects.filter(user=user).select_related("association").first()
        in_group = user.groups.filter(name=roles.ASSOCIATION_STAFF).exists()
        user._association_tie = (staff.association if staff else None, in_group)
    return user._association_tie


def visible_fields(user, model) -> frozenset[str] | None:
    """The names of `model`'s fields that `user` may see anywhere in the admin; None: all of them."""
    if not is_association_staff(user) or model in ASSOCIATION_STAFF_WHOLE_MODELS:
        return None
    if model is Business:
        return frozenset(ASSOCIATION_STAFF_BUSINESS_FIELDS)
    return frozenset()


def may_see(user, model, field_name: str) -> bool:
    visible = visible_fields(user, model)
    return visible is None or field_name in visible


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
        return queryset.filter(subcontractor_list__in=lists.values("pk"))
    return queryset.none()
