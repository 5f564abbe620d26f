"""Renewal applications and approvals from a file: 事業者ID, 申請日, 承認日.

Each row goes through the renewal services, whose rules (window open, not lapsed,
one pending application) depend on the state the earlier rows left; so rows are
applied as they are checked, inside the import's transaction, which run_import rolls
back when any row is bad or on a dry run.
"""

from django.utils.translation import gettext as _

from ccus.importing import CREATED, UNCHANGED, UPDATED, Change, Column, Row, RowKind
from registrations import cells
from registrations.imports import business_id_cells
from registrations.models import Business
from renewals import services
from renewals.models import RenewalCase

# The model fields whose own validators check the file's dates (not in the future).
RECEIVED_ON, APPROVED_ON = RenewalCase._meta.get_field("received_on"), RenewalCase._meta.get_field("approved_on")


class RenewalRows(RowKind):
    name = "renewals"
    columns = (
        Column("ccus_id", "事業者ID", ("ccus_id",)),
        Column("received_on", "申請日", ("received_on",)),
        Column("approved_on", "承認日", ("approved_on",)),
    )

    def __init__(self):
        self.seen: set[str] = set()

    def check(self, rows: list[Row]) -> list[Change]:
        ids = business_id_cells(rows, "ccus_id")
        wanted = [values["ccus_id"] for values in ids.values() if values.get("ccus_id")]
        businesses = Business.objects.in_bulk(wanted, field_name="ccus_id")
        changes = []
        for row in rows:
            if row.errors:
                continue
            ccus_id = ids[row.number]["ccus_id"]
            received_on = row.parse("received_on", cells.date, RECEIVED_ON)
            approved_on = row.parse("approved_on", cells.date, APPROVED_ON)
            business = businesses.get(ccus_id)
            if business is None:
                row.fail("ccus_id", _("No business with business ID %(id)s.") % {"id": ccus_id})
            elif ccus_id in self.seen:
                row.fail("ccus_id", _("Business ID %(id)s appears more than once in the file.") % {"id": ccus_id})
            elif not row.errors and not (received_on or approved_on):
                row.fail("", _("Give an application date, an approval date or both."))
            if row.errors:
                continue
            self.seen.add(ccus_id)
            try:
                action = self._apply(business, received_on, approved_on)
            except services.RenewalError as error:
                row.fail("", str(error))
                continue
            shown = {"申請日": str(received_on or ""), "承認日": str(approved_on or "")}
            changes.append(Change(row.number, action, business, after=shown))
        return changes

    def write(self, changes: list[Change]) -> None:
        """Nothing left to write: check() applied each row through the services."""

    @staticmethod
    def _apply(business, received_on, approved_on) -> str:
        """Record what the row says is new; the same row imported again changes nothing."""
        case = RenewalCase.objects.filter(business=business).exclude(status=RenewalCase.Status.WITHDRAWN).first()
        action = UNCHANGED
        if received_on and not (case and case.received_on == received_on):
            case = services.renewal_record_application(
                business=business, received_on=received_on, channel=RenewalCase.Channel.FILE
            )
            action = CREATED
        if approved_on:
            if case is None:
                raise services.RenewalError(_("There is no application to approve."))
            if case.status == RenewalCase.Status.PENDING:
                services.renewal_approve(case=case, approved_on=approved_on)
                action = CREATED if action == CREATED else UPDATED
            elif case.approved_on != approved_on:
                raise services.RenewalError(
                    _("The application was already approved on %(date)s.") % {"date": case.approved_on}
                )
        return action
