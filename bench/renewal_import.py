"""The renewal import row: a year's file from the central system, imported set-based or row by row.

    python bench/renewal_import.py make --out var/bench/renewals.csv
    python bench/renewal_import.py run --file var/bench/renewals.csv [--side rowwise --seconds 60]

`make` writes, from the seeded register, what the central system would send for the
year: every application already recorded again with its dates (unchanged rows), an
approval for every pending application, and a new application (half of them approved
the same week) for every business whose renewal window is open today (`--new-only`:
only those). `run` imports it
with `import_renewals`'s row kind inside a transaction rolled back at the end, so the
register stays as seeded; `--side rowwise` applies each row on its own through
renewal_record_application and renewal_approve, as the import did before it went
set-based, stopped after --seconds.
"""

import argparse
import csv
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.django_env import django_setup

django_setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone, translation  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from bench.measures import result  # noqa: E402
from ccus.importing import CREATED, UNCHANGED, UPDATED, run_import  # noqa: E402
from ccus.tabular import open_table  # noqa: E402
from renewals import services, terms  # noqa: E402
from renewals.imports import RenewalRows  # noqa: E402
from renewals.models import RenewalCase, Term  # noqa: E402


class RowByRowRenewals(RenewalRows):
    """The import before it went set-based: each row applied on its own through the desk's single steps."""

    deadline = float("inf")
    applied = 0

    def _apply(self, asked):
        actions = {}
        for pk, (row, business, received_on, approved_on) in asked.items():
            if time.perf_counter() > self.deadline:
                raise Capped
            try:
                actions[pk] = apply_one(business, received_on, approved_on)
            except services.RenewalError as error:
                row.fail("", str(error))
            self.applied += 1
        return actions


class Capped(Exception):
    """The row-by-row side ran out of its time."""


def apply_one(business, received_on, approved_on) -> str:
    """One row, as renewals/imports.py applied it before the bulk services: the action, or RenewalError."""
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


def make(args) -> None:
    """The file, its rows in 事業者ID order (recorded, pending and new ones mixed, as the central system sorts)."""
    today = timezone.localdate()
    rows = {}
    if not args.new_only:
        recorded = RenewalCase.objects.exclude(status=RenewalCase.Status.WITHDRAWN).order_by("business_id", "pk")
        for ccus_id, received_on, approved_on in recorded.values_list(
            "business__ccus_id", "received_on", "approved_on"
        ).iterator():
            rows[ccus_id] = (received_on, approved_on or today)  # the latest application of each business
    open_terms = Term.objects.filter(
        is_current=True, ended="", expires_on__gte=today, expires_on__lt=today + datetime.timedelta(days=183)
    ).exclude(business_id__in=RenewalCase.objects.filter(status=RenewalCase.Status.PENDING).values("business_id"))
    for number, (ccus_id, expires_on) in enumerate(
        open_terms.order_by("business_id").values_list("business__ccus_id", "expires_on").iterator()
    ):
        received_on = max(terms.window_opens(expires_on), today - datetime.timedelta(days=30))
        rows[ccus_id] = (received_on, min(received_on + datetime.timedelta(days=7), today) if number % 2 else "")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="cp932", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(["事業者ID", "申請日", "承認日"])
        writer.writerows([ccus_id, *dates] for ccus_id, dates in sorted(rows.items()))
    print(f"{len(rows):,} rows in {out}")


def run(args) -> None:
    kind = RowByRowRenewals() if args.side == "rowwise" else RenewalRows()
    with translation.override("ja"), transaction.atomic():
        started = time.perf_counter()
        kind.deadline = started + args.seconds if args.seconds else float("inf")
        capped = False
        try:
            with Path(args.file).open("rb") as stream, open_table(stream) as table:
                outcome = run_import(kind, table, dry_run=False, source=Path(args.file).name)
        except Capped:
            capped = True
        with connection.cursor() as cursor:  # the deferred foreign-key checks a commit would run
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    if capped:
        result(kind.applied, seconds, sample=True, note="stopped after its time, rolled back")
        return
    if not outcome.ok:
        raise SystemExit("\n".join(str(error) for error in outcome.errors[:20]))
    counts = ", ".join(f"{outcome.counts[k]:,} {k}" for k in (CREATED, UPDATED, UNCHANGED))
    result(outcome.rows, seconds, note=f"{counts}; rolled back")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["make", "run"])
    parser.add_argument("--out")
    parser.add_argument("--file")
    parser.add_argument("--side", choices=["bulk", "rowwise"], default="bulk")
    parser.add_argument("--seconds", type=float, default=0)
    parser.add_argument("--new-only", action="store_true", help="make: only the applications not yet recorded")
    args = parser.parse_args()
    globals()[args.step](args)


if __name__ == "__main__":
    main()
