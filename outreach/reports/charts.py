"""Bar charts as inline SVG, drawn on the server: no JavaScript and no CDN."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# One colour per series, in order; readable on white and in greyscale print.
PALETTE = ["#2e7d32", "#f9a825", "#c62828", "#1565c0", "#90a4ae", "#6a1b9a"]
HEIGHT, BAR_AREA_TOP, LABEL_SPACE, LEGEND = 220, 10, 40, 22


def stacked_bars(
    columns: list[tuple[str, list[int]]], series: list[str], *, title: str, bar_width: int = 28
) -> SafeString:
    """Columns of stacked bars; `columns` is [(label, [value per series])]."""
    peak = max((sum(values) for _, values in columns), default=0) or 1
    area = HEIGHT - BAR_AREA_TOP - LABEL_SPACE
    step = bar_width + 10
    width = max(len(columns) * step + 50, 320)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{HEIGHT + LEGEND}" '
        f'viewBox="0 0 {width} {HEIGHT + LEGEND}" font-size="10"><title>{escape(title)}</title>',
        f'<text x="0" y="{BAR_AREA_TOP}" fill="#555">{peak:,}</text>',
    ]
    for index, (label, values) in enumerate(columns):
        x, y = 40 + index * step, HEIGHT - LABEL_SPACE
        for colour, value, name in zip(PALETTE, values, series, strict=False):
            h = value * area / peak
            y -= h
            if value:
                parts.append(
                    f'<rect x="{x}" y="{y:.1f}" width="{bar_width}" height="{h:.1f}" fill="{colour}">'
                    f"<title>{escape(label)} {escape(name)}: {value:,}</title></rect>"
                )
        total = sum(values)
        parts.append(f'<text x="{x + bar_width / 2}" y="{y - 2:.1f}" text-anchor="middle">{total:,}</text>')
        parts.append(
            f'<text x="{x + bar_width / 2}" y="{HEIGHT - LABEL_SPACE + 14}" text-anchor="middle">{escape(label)}</text>'
        )
    for index, name in enumerate(series):
        x = 40 + index * 110
        parts.append(f'<rect x="{x}" y="{HEIGHT}" width="10" height="10" fill="{PALETTE[index % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 14}" y="{HEIGHT + 9}">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped


def bars(columns: list[tuple[str, int]], *, title: str) -> SafeString:
    return stacked_bars([(label, [value]) for label, value in columns], [title], title=title)
