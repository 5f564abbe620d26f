"""Renewal applications and approvals from a file: 事業者ID, 申請日, 承認日.

A business appears once in a file, so its row depends only on what the register held
before the import: a chunk's rows are checked and applied together, through the same
bulk services the desk's single steps call (renewal_record_applications, then
renewal_approve_many), inside the import's transaction, which run_import rolls back
when any row is bad or on a dry run.
"""

from datetime import date

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
        businesses = Business.objects.only(*services.NAMED).in_bulk(wanted, field_name="ccus_id")
        asked: dict[int, tuple[Row, Business, date | None, date | None]] = {}
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
            asked[business.pk] = (row, business, received_on, approved_on)
        actions = self._apply(asked)
        changes = []
        for row, business, received_on, approved_on in asked.values():
            if row.errors:
                continue
            shown = {"申請日": str(received_on or ""), "承認日": str(approved_on or "")}
            changes.append(Change(row.number, actions[business.pk], business, after=shown))
        return changes

    def write(self, changes: list[Change]) -> None:
        """Nothing left to write: check() applied the rows through the services."""

    @staticmethod
    def _apply(asked: dict[int, tuple[Row, Business, date | None, date | None]]) -> dict[int, str]:
        """Record what each row says is new, failing the rows the rules refuse; the action per business id.

        The same row imported again changes nothing: an application received on the
        same day is the one already recorded, an approval on the same day the one done.
        """
        latest: dict[int, RenewalCase] = {}
        cases = RenewalCase.objects.filter(business_id__in=asked).exclude(status=RenewalCase.Status.WITHDRAWN)
        cases = cases.only("business_id", "received_on", "status", "approved_on")
        for case in cases.order_by("business_id", "received_on", "pk"):
            latest[case.business_id] = case  # the model's order: the latest application first
        received = {
            pk: received_on
            for pk, (_row, _business, received_on, _approved_on) in asked.items()
            if received_on and not (pk in latest and latest[pk].received_on == received_on)
        }
        recorded = services.renewal_record_applications(received=received, channel=RenewalCase.Channel.FILE)
        actions, approved = {}, {}
        for pk, (row, _business, _received_on, approved_on) in asked.items():
            outcome = recorded.get(pk)
            if isinstance(outcome, services.RenewalError):
                row.fail("", str(outcome))
                continue
            case = outcome or latest.get(pk)
            actions[pk] = CREATED if outcome else UNCHANGED
            if not approved_on:
                continue
            if case is None:
                row.fail("", _("There is no application to approve."))
            elif case.status == RenewalCase.Status.PENDING:
                approved[case.pk] = (pk, approved_on)
            elif case.approved_on != approved_on:
                row.fail("", _("The application was already approved on %(date)s.") % {"date": case.approved_on})
        renewed = services.renewal_approve_many(approved={case: on for case, (_pk, on) in approved.items()})
        for case_pk, (pk, _on) in approved.items():
            if isinstance(renewed[case_pk], services.RenewalError):
                asked[pk][0].fail("", str(renewed[case_pk]))
            elif actions[pk] == UNCHANGED:
                actions[pk] = UPDATED
        return actions
