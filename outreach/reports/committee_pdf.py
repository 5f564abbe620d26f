"""The committee report as A4 pages drawn by ReportLab, every text in the embedded IPAexGothic.

Money is shown as ¥1,234, counts with thousands separators and shares as 12.3%. Each chart
stands under its table with a legend; a long table breaks between rows and repeats its
header, a heading never ends a page on its own, and every page says "n / N".
"""

import io
from dataclasses import dataclass

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ccus.tabular.sheets import Share, Yen
from outreach.pdf_font import FONT_NAME, japanese_font

PALETTE = [colors.HexColor(c) for c in ("#2e7d32", "#f9a825", "#c62828", "#1565c0", "#90a4ae")]
# A table longer than this is laid out in two halves side by side (the 47 prefectures).
TWO_COLUMNS_FROM = 20


@dataclass
class Chart:
    """Grouped bars: a title, the categories along the axis, and (legend name, values) per series."""

    title: str
    categories: list[str]
    series: list[tuple[str, list[int]]]


def shown(value) -> str:
    """A cell as printed: ¥ and separators for money, separators for counts, % for shares, – for nothing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, Share):
        return f"{value:.1%}"
    if isinstance(value, Yen):
        return f"¥{value:,}"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


class NumberedCanvas(Canvas):
    """A canvas that starts in the embedded font and writes "n / N" at the foot of each page."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **{**kwargs, "initialFontName": FONT_NAME, "initialFontSize": 10})
        self._saved_pages: list[dict] = []

    def showPage(self):
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self.setFont(FONT_NAME, 8)
            self.drawCentredString(
                A4[0] / 2, 10 * mm, _("%(page)s / %(pages)s") % {"page": self._pageNumber, "pages": total}
            )
            super().showPage()
        super().save()


def _chart(chart: Chart) -> Drawing:
    """Grouped bars with the title above and a legend under the category axis, all in the embedded font."""
    series, names = [values for _name, values in chart.series], [name for name, _values in chart.series]
    drawing = Drawing(170 * mm, 72 * mm, initialFontName=FONT_NAME, initialFontSize=8)
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 18 * mm, 22 * mm, 148 * mm, 40 * mm
    bars.data = series or [[0]]
    bars.categoryAxis.categoryNames = chart.categories
    bars.categoryAxis.labels.fontName = bars.valueAxis.labels.fontName = FONT_NAME
    bars.categoryAxis.labels.fontSize = bars.valueAxis.labels.fontSize = 7
    bars.valueAxis.valueMin = 0
    bars.valueAxis.labelTextFormat = lambda value: f"{value:,.0f}"
    for index, colour in enumerate(PALETTE[: len(series)]):
        bars.bars[index].fillColor = colour
    drawing.add(bars)
    legend = Legend()
    legend.x, legend.y = 18 * mm, 8 * mm
    legend.fontName, legend.fontSize = FONT_NAME, 7
    legend.alignment, legend.columnMaximum, legend.dx, legend.dy = "right", 1, 7, 7
    legend.deltax = 148 * mm / max(len(names), 1)
    legend.colorNamePairs = list(zip(PALETTE, names, strict=False))
    drawing.add(legend)
    drawing.add(String(18 * mm, 67 * mm, chart.title, fontName=FONT_NAME, fontSize=9))
    return drawing


def _style(columns: range, rows: int) -> list[tuple]:
    """Grid, header shading and right-aligned numbers for the columns of one table."""
    first, last = columns.start, columns.stop - 1
    return [
        ("GRID", (first, 0), (last, rows), 0.3, colors.grey),
        ("BACKGROUND", (first, 0), (last, 0), colors.HexColor("#e8eef4")),
        ("ALIGN", (first + 1, 1), (last, rows), "RIGHT"),
    ]


def _table(headers: list[str], rows: list[list]) -> Table:
    table = Table([headers, *[[shown(cell) for cell in row] for row in rows]], repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT_NAME, 8), *_style(range(len(headers)), len(rows))]))
    return table


def _halves(headers: list[str], rows: list[list]) -> Table:
    """A long table as two halves side by side in one table: it fills the page it starts on, and can
    still break between rows with its header repeated, so no page is left empty before it."""
    middle, width = (len(rows) + 1) // 2, len(headers)
    left, right = rows[:middle], rows[middle:]
    lines = [[*headers, "", *headers]]
    for index, row in enumerate(left):
        other = right[index] if index < len(right) else [""] * width
        lines.append([*(shown(cell) for cell in row), "", *(shown(cell) if cell != "" else "" for cell in other)])
    table = Table(lines, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT_NAME, 8),
                *_style(range(width), len(left)),
                *_style(range(width + 1, 2 * width + 1), len(right)),
                ("LEFTPADDING", (width, 0), (width, -1), 4 * mm),
            ]
        )
    )
    return table


def draw(data: dict, tables: list) -> bytes:
    """The PDF of `tables` (outreach.reports.committee.tables), each table's chart under it."""
    japanese_font()
    heading = ParagraphStyle("heading", fontName=FONT_NAME, fontSize=11, leading=15, spaceAfter=4, keepWithNext=1)
    long_heading = ParagraphStyle("long_heading", parent=heading, keepWithNext=0)
    title_style = ParagraphStyle("title", fontName=FONT_NAME, fontSize=16, leading=22, spaceAfter=8)
    story = [
        Paragraph(_("CCUS business registration: report to the steering committee, %(quarter)s")
                  % {"quarter": data["period"].label}, title_style),
        Paragraph(_("%(start)s – %(end)s; as of %(date)s") % {
            "start": data["period"].start, "end": data["period"].end, "date": data["as_of"]}, heading),
    ]  # fmt: skip
    for table in tables:
        if len(table.rows) > TWO_COLUMNS_FROM:
            # Breaks between rows: the heading needs room for a few rows under it, not the whole table.
            story += [CondPageBreak(40 * mm), Paragraph(table.title, long_heading), _halves(table.headers, table.rows)]
            continue
        # A short table stays on one page with its heading and chart.
        section = [Paragraph(table.title, heading), _table(table.headers, table.rows), Spacer(1, 4 * mm)]
        if table.chart is not None:
            section += [_chart(table.chart), Spacer(1, 4 * mm)]
        story.append(KeepTogether(section))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, title=f"CCUS {data['period'].label}", topMargin=15 * mm, bottomMargin=18 * mm
    )
    document.build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()
