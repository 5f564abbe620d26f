"""The register's list as a user filtered it, rebuilt outside a request: the rows an export job writes.

An export job stores the list's query-string parameters, never a query object: when the
worker writes the file, the same admin turns them into rows again, through its guarded
filters, its search, and the requester's scope and rights as they are then. An upgrade
between the two cannot break the job; a parameter the list no longer accepts, or a
requester who may no longer export, fails it with a message. The admin is found through
Django's admin site registry, so this module imports no admin module.
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import SuspiciousOperation
from django.db.models import QuerySet
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from registrations.models import Business


class ExportRefused(Exception):
    """The stored parameters no longer give a list this user may export; the message says why."""


def params_of(query: QueryDict) -> dict[str, list[str]]:
    """A changelist's query string as plain JSON: {name: [values]}."""
    return {name: query.getlist(name) for name in query}


def rows(*, user, params: dict[str, list[str]]) -> QuerySet:
    """The businesses the register's list shows `user` for `params`, in its order."""
    model_admin = admin.site.get_model_admin(Business)
    request = HttpRequest()
    request.method = "GET"
    request.user = user
    query = QueryDict(mutable=True)
    for name, values in params.items():
        query.setlist(name, values)
    request.GET = query
    if user is None or not user.is_active or not model_admin.has_export_permission(request):
        raise ExportRefused(_("The user who asked for this export may no longer export the register."))
    try:
        return model_admin.get_changelist_instance(request).queryset
    except (IncorrectLookupParameters, SuspiciousOperation) as error:
        raise ExportRefused(
            _("The list no longer accepts this export's filters (%(error)s): export again from the list.")
            % {"error": error}
        ) from error
