"""The quarterly report to the steering committee (運営委員会): an XLSX of tables and a PDF
with tables and charts (outreach.reports.committee_pdf).

Steps of a build: 1. the numbers for the quarter to its last day or today, whichever comes
first; the fiscal year's progress and the renewal rates are the dashboard's own
computation (outreach.reports.dashboard.figures): for today, the dashboard's snapshot is
refreshed and read, so the report and the dashboard show the same numbers; 2. the
workbook, one sheet per table, written with xlsxwriter's constant-memory mode; 3. the
PDF; 4. both stored on the report row.
"""

import datetime
import io
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from ccus.tabular.sheets import Share, Sheet, Yen
from outreach.models import CommitteeReport
from outreach.reports import committee_pdf as pdf
from outreach.reports import dashboard, snapshots
from registrations.models import CapitalBand, TradeGroup
from renewals import fiscal, stats

# The plan's focus on capital of ¥10M to ¥50M: two bands of the fee table.
FOCUS_BANDS = (CapitalBand.FROM_10M, CapitalBand.FROM_20M)


class CommitteeReportError(Exception):
    """The report cannot be built; the message is for the desk."""


@dataclass
class ReportTable:
    """One table of the report: a sheet of the workbook, a section of the PDF."""

    sheet: str
    title: str
    headers: list[str]
    rows: list[list]
    chart: pdf.Chart | None = None


def outcome_labels() -> dict[str, str]:
    return {
        "renewed": _("renewed"),
        "pending": _("application pending"),
        "lapsed": _("lapsed"),
        "window_open": _("renewal window open"),
        "active": _("window not open yet"),
        "closed": _("closed or merged"),
    }


def funnel_stages() -> dict[str, str]:
    return {"sent": _("sent"), "reached": _("reached"), "applied": _("applied"), "renewed": _("renewed")}


def day_figures(as_of: datetime.date, *, today: datetime.date) -> dict:
    """The dashboard's numbers for `as_of`: today's from a fresh snapshot (the dashboard then shows it)."""
    if as_of == today:
        return snapshots.dashboard_from(snapshots.snapshot_refresh(today=today))
    return dashboard.dashboard(today=as_of)


def report_data(period: fiscal.Period, *, today: datetime.date) -> dict:
    """The quarter's numbers up to its end or today, whichever comes first."""
    as_of = min(today, period.end)
    to_date = fiscal.Period(period.start, as_of, period.label)
    figures = day_figures(as_of, today=today)
    return {
        "period": period,
        "as_of": as_of,
        "renewals": stats.renewals_in(to_date),
        "registrations": stats.new_registrations_in(to_date),
        "progress": figures["progress"],
        "calendar": stats.expiry_calendar(today=as_of, first=period.start, months=3),
        "lapses": stats.lapses_by_month(period),
        "rates": figures["rates"]["prefecture"],
        "focus": focus_rates(figures["rates"], observed=figures["progress"]["observed"]),
        "funnel": dashboard.funnel(to_date),
    }


def focus_rates(rates: dict[str, list[dict]], *, observed: dict) -> list[dict]:
    """The plan's focus segments (each trade group; capital ¥10M – under ¥50M) and every business, to compare."""
    groups = {row["labels"][0]: row for row in rates["trade_group"]}
    rows = [
        _rate_row(_("trade group %(name)s") % {"name": name}, [groups[name]] if name in groups else [])
        for name in TradeGroup.objects.order_by("name").values_list("name", flat=True)
    ]
    bands = [row for row in rates["capital_band"] if row["keys"][0] in FOCUS_BANDS]
    rows.append(_rate_row(_("capital ¥10M – under ¥50M"), bands))
    rows.append({"label": _("all businesses"), "terms": observed["terms"], "renewed": observed["renewed"],
                 "rate": observed["rate"] if observed["terms"] else None})  # fmt: skip
    return rows


def _rate_row(label: str, parts: list[dict]) -> dict:
    terms, renewed = sum(p["terms"] for p in parts), sum(p["renewed"] for p in parts)
    return {"label": label, "terms": terms, "renewed": renewed, "rate": renewed / terms if terms else None}


def _share(value: float | None) -> Share | None:
    return None if value is None else Share(value)


def tables(data: dict) -> list[ReportTable]:
    """Every table, shared by the workbook and the PDF; money is Yen, shares are Share."""
    progress = data["progress"]
    target = progress["target"]
    labels = outcome_labels()
    target_note = (
        _(" (carried over from FY%(year)s)") % {"year": target.fiscal_year} if progress["carried_over"] else ""
    )
    quarter_fees = data["renewals"]["fee"] + data["registrations"]["fee"]
    summary = [
        [_("renewal applications (excluding 一人親方)"), data["renewals"]["count"], progress["renewals"]["count"],
         target.renewals if target else None, Share(progress["renewals_share"])],
        [_("new registrations (excluding 一人親方)"), data["registrations"]["count"],
         progress["registrations"]["count"], target.new_registrations if target else None,
         Share(progress["registrations_share"])],
        [_("registration fees (yen)"), Yen(quarter_fees), Yen(progress["income"]), Yen(progress["budget"]),
         Share(progress["income_share"])],
        [_("fee forecast for the fiscal year (yen)"), None, Yen(progress["projected"]), Yen(progress["budget"]),
         Share(progress["projected_share"])],
    ]  # fmt: skip
    return [
        ReportTable(
            _("Registrations and income"),
            _("Registrations and income, %(quarter)s and %(year)s to date") % {
                "quarter": data["period"].label, "year": progress["year"].label,
            } + target_note,
            [_("item"), _("quarter"), _("fiscal year to date"), _("target"), _("achieved")],
            summary,
        ),
        ReportTable(
            _("Expiries by outcome"),
            _("Expiries in the quarter by outcome"),
            [_("expiry month"), *labels.values(), _("total")],
            [[m.strftime("%Y-%m"), *(c[o] for o in stats.OUTCOMES), sum(c.values())] for m, c in data["calendar"]],
            pdf.Chart(
                _("Expiries in the quarter by outcome"),
                [m.strftime("%Y-%m") for m, _c in data["calendar"]],
                [(labels[o], [c[o] for _m, c in data["calendar"]]) for o in stats.OUTCOMES],
            ),
        ),
        ReportTable(
            _("Lapses by month"),
            _("Lapses by month of expiry"),
            [_("expiry month"), _("lapsed")],
            [[m.strftime("%Y-%m"), n] for m, n in data["lapses"]],
        ),
        ReportTable(
            _("Reminders by channel"),
            _("Reminders by channel"),
            [_("channel"), *funnel_stages().values()],
            [[r["label"], r["sent"], r["reached"], r["applied"], r["renewed"]] for r in data["funnel"]],
            pdf.Chart(
                _("Reminders by channel"),
                [r["label"] for r in data["funnel"]],
                [(stage, [r[key] for r in data["funnel"]]) for key, stage in funnel_stages().items()],
            ),
        ),
        ReportTable(
            _("Plan focus segments"),
            _("Renewal rate of the plan's focus segments (terms expired in the year before %(date)s)")
            % {"date": data["as_of"]},
            [_("segment"), _("terms"), _("renewed or applied"), _("renewal rate")],
            [[r["label"], r["terms"], r["renewed"], _share(r["rate"])] for r in data["focus"]],
        ),
        ReportTable(
            _("Renewal rate by prefecture"),
            _("Renewal rate by prefecture (terms expired in the year before %(date)s)") % {"date": data["as_of"]},
            [_("prefecture"), _("terms"), _("renewed or applied"), _("renewal rate")],
            [[r["labels"][0], r["terms"], r["renewed"], _share(r["rate"])] for r in data["rates"]],
        ),
    ]  # fmt: skip


def committee_xlsx(data: dict) -> bytes:
    """One sheet per table, named after it: title, date, then the table with a frozen, filtered header."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False})
    for table in tables(data):
        sheet = Sheet(workbook, table.sheet)
        sheet.title(table.title)
        sheet.write_line([_("as of"), data["as_of"]], style="bold", labelled=True)
        sheet.write_line([])
        sheet.header(table.headers)
        for row in table.rows:
            sheet.row(row)
        sheet.close()
    workbook.close()
    return buffer.getvalue()


def committee_pdf(data: dict) -> bytes:
    """A4 pages: the tables, the charts under theirs, page numbers; every font embedded."""
    return pdf.draw(data, tables(data))


def committee_report_build(*, report: CommitteeReport, today: datetime.date | None = None) -> CommitteeReport:
    """Build both files of a report row; on failure the row says why (and nothing half-written stays)."""
    period = fiscal.parse_quarter(report.quarter)
    data = report_data(period, today=today or timezone.localdate())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    try:
        xlsx, pdf = committee_xlsx(data), committee_pdf(data)
    except CommitteeReportError as error:
        CommitteeReport.objects.filter(pk=report.pk).update(
            status=CommitteeReport.Status.FAILED, error=str(error), finished_at=timezone.now()
        )
        raise
    report.xlsx.save(f"committee-{period.label}-{stamp}.xlsx", ContentFile(xlsx), save=False)
    report.pdf.save(f"committee-{period.label}-{stamp}.pdf", ContentFile(pdf), save=False)
    report.status, report.error, report.finished_at = CommitteeReport.Status.DONE, "", timezone.now()
    report.save(update_fields=["xlsx", "pdf", "status", "error", "finished_at"])
    return report


def output_paths(report: CommitteeReport) -> list[str]:
    return [str(Path(settings.MEDIA_ROOT) / report.xlsx.name), str(Path(settings.MEDIA_ROOT) / report.pdf.name)]
