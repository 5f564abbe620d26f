"""The quarterly report to the steering committee (運営委員会): an XLSX of tables and a PDF
with tables and charts.

Steps of a build: 1. the numbers for the quarter (a dozen grouped queries, shared with
the dashboard); 2. the workbook, written with xlsxwriter's constant-memory mode; 3. the
PDF, drawn by ReportLab with IPAexGothic embedded (a print shop or a committee member
without Japanese fonts sees the same pages); 4. both stored on the report row.
"""

import datetime
import io
from pathlib import Path

import xlsxwriter
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach.models import CommitteeReport
from outreach.pdf_font import FONT_NAME, japanese_font
from outreach.reports import dashboard
from renewals import fiscal, stats


class CommitteeReportError(Exception):
    """The report cannot be built; the message is for the desk."""


def outcome_labels() -> dict[str, str]:
    return {
        "renewed": _("renewed"),
        "pending": _("application pending"),
        "lapsed": _("lapsed"),
        "window_open": _("renewal window open"),
        "active": _("window not open yet"),
        "closed": _("closed or merged"),
    }


def report_data(period: fiscal.Period, *, today: datetime.date) -> dict:
    """The quarter's numbers; rates and forecasts are as of today (or the quarter's end if earlier)."""
    as_of = min(today, period.end)
    return {
        "period": period,
        "as_of": as_of,
        "renewals": stats.renewals_in(period),
        "registrations": stats.new_registrations_in(period),
        "progress": dashboard.year_progress(today=as_of, until=period.end),
        "calendar": stats.expiry_calendar(today=as_of, first=period.start, months=3),
        "lapses": stats.lapses_by_month(period),
        "rates": stats.renewal_rates(["prefecture"], today=as_of),
        "funnel": dashboard.funnel(period),
    }


def _tables(data: dict) -> list[tuple[str, list[str], list[list]]]:
    """(title, headers, rows) of every table, shared by the workbook and the PDF."""
    progress = data["progress"]
    target = progress["target"]
    labels = outcome_labels()
    target_note = (
        _(" (carried over from FY%(year)s)") % {"year": target.fiscal_year} if progress["carried_over"] else ""
    )
    summary = [
        [_("renewal applications (excluding 一人親方)"), data["renewals"]["count"], progress["renewals"]["count"],
         target.renewals if target else "", f"{progress['renewals_share']:.1%}"],
        [_("new registrations (excluding 一人親方)"), data["registrations"]["count"],
         progress["registrations"]["count"], target.new_registrations if target else "",
         f"{progress['registrations_share']:.1%}"],
        [_("registration fees (yen)"), data["renewals"]["fee"] + data["registrations"]["fee"], progress["income"],
         progress["budget"], f"{progress['income_share']:.1%}"],
        [_("fee forecast for the fiscal year (yen)"), "", progress["projected"], progress["budget"],
         f"{progress['projected_share']:.1%}"],
    ]  # fmt: skip
    return [
        (
            _("Registrations and income, %(quarter)s and %(year)s to date") % {
                "quarter": data["period"].label, "year": progress["year"].label,
            } + target_note,
            [_("item"), _("quarter"), _("fiscal year to date"), _("target"), _("achieved")],
            summary,
        ),
        (
            _("Expiries in the quarter by outcome"),
            [_("expiry month"), *labels.values(), _("total")],
            [[m.strftime("%Y-%m"), *(c[o] for o in stats.OUTCOMES), sum(c.values())] for m, c in data["calendar"]],
        ),
        (
            _("Lapses by month of expiry"),
            [_("expiry month"), _("lapsed")],
            [[m.strftime("%Y-%m"), n] for m, n in data["lapses"]],
        ),
        (
            _("Reminders by channel"),
            [_("channel"), _("sent"), _("reached"), _("applied"), _("renewed")],
            [[r["label"], r["sent"], r["reached"], r["applied"], r["renewed"]] for r in data["funnel"]],
        ),
        (
            _("Renewal rate by prefecture (terms expired in the year before %(date)s)") % {"date": data["as_of"]},
            [_("prefecture"), _("terms"), _("renewed or applied"), _("renewal rate")],
            [[r["labels"][0], r["terms"], r["renewed"], f"{r['rate']:.1%}"] for r in data["rates"]],
        ),
    ]  # fmt: skip


def committee_xlsx(data: dict) -> bytes:
    """One sheet per table."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})
    for index, (title, headers, rows) in enumerate(_tables(data), start=1):
        sheet = workbook.add_worksheet(f"{index}")
        sheet.write(0, 0, title, bold)
        sheet.write_row(1, 0, headers, bold)
        for line, row in enumerate(rows, start=2):
            sheet.write_row(line, 0, row)
    workbook.close()
    return buffer.getvalue()


def committee_pdf(data: dict) -> bytes:
    """A4 pages: the tables, with bar charts of the expiries and of the channel funnel."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    japanese_font()
    heading = ParagraphStyle("heading", fontName=FONT_NAME, fontSize=12, leading=16, spaceAfter=4)
    title_style = ParagraphStyle("title", fontName=FONT_NAME, fontSize=16, leading=22, spaceAfter=8)

    def chart(title: str, categories: list[str], series: list[list[int]]) -> Drawing:
        drawing = Drawing(170 * mm, 60 * mm)
        bars = VerticalBarChart()
        bars.x, bars.y, bars.width, bars.height = 15 * mm, 10 * mm, 150 * mm, 42 * mm
        bars.data = series or [[0]]
        bars.categoryAxis.categoryNames = categories
        bars.categoryAxis.labels.fontName = bars.valueAxis.labels.fontName = FONT_NAME
        bars.valueAxis.valueMin = 0
        for index, colour in enumerate([colors.HexColor(c) for c in ("#2e7d32", "#f9a825", "#c62828", "#1565c0")]):
            bars.bars[index].fillColor = colour
        drawing.add(bars)
        drawing.add(String(15 * mm, 55 * mm, title, fontName=FONT_NAME, fontSize=10))
        return drawing

    story = [
        Paragraph(_("CCUS business registration: report to the steering committee, %(quarter)s")
                  % {"quarter": data["period"].label}, title_style),
        Paragraph(_("%(start)s – %(end)s; as of %(date)s") % {
            "start": data["period"].start, "end": data["period"].end, "date": data["as_of"]}, heading),
    ]  # fmt: skip
    for title, headers, rows in _tables(data):
        table = Table([headers, *rows], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT_NAME, 8),
                    ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                    ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ]
            )
        )
        story += [Paragraph(title, heading), table, Spacer(1, 6 * mm)]
    months = [m.strftime("%Y-%m") for m, _counts in data["calendar"]]
    story.append(
        chart(
            _("Expiries in the quarter: renewed, pending, lapsed, window open"),
            months,
            [[counts[o] for _m, counts in data["calendar"]] for o in stats.OUTCOMES[:4]],
        )
    )
    funnel = data["funnel"]
    story.append(
        chart(
            _("Reminders by channel: sent, reached, applied, renewed"),
            [r["label"] for r in funnel],
            [[r[stage] for r in funnel] for stage in dashboard.FUNNEL_STAGES],
        )
    )
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=f"CCUS {data['period'].label}").build(story)
    return buffer.getvalue()


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
