"""The effect report in words and as an XLSX workbook.

The report is a few dozen aggregated rows, so the workbook is written in the request
with xlsxwriter's constant-memory mode, not by a background task.
"""

import io

import xlsxwriter
from django.utils.translation import gettext as _

from outreach.models import Answer, Channel
from outreach.reports.effect import OUTCOMES, EffectFigures


def outcome_labels() -> list[str]:
    return [
        {"renewed": _("renewed"), "pending": _("application pending"), "lapsed": _("lapsed"), "open": _("not applied")}[
            outcome
        ]
        for outcome in OUTCOMES
    ]


def _channel(value: str) -> str:
    return str(Channel(value).label) if value in Channel.values else _("no contact")


def present(report: EffectFigures) -> dict:
    """The report's rows with labels, as the admin page and the workbook show them."""
    months = [
        {
            "month": row.month,
            "counts": [row.counts[outcome] for outcome in OUTCOMES],
            "total": row.total,
            "last_contacts": [(_channel(channel), step, n) for channel, step, n in row.last_contacts],
        }
        for row in report.months
    ]
    mixes = [
        {
            "label": "＋".join(str(Channel(c).label) for c in mix.channels) or _("no contact"),
            "terms": mix.terms,
            "renewed": mix.renewed,
            "rate": mix.rate * 100,
        }
        for mix in report.mixes
    ]
    answers = [
        {
            "label": str(Answer.Kind(row.kind).label),
            "answered": row.answered,
            "renewed": row.renewed,
            "postcards_saved": row.postcards_saved,
            "calls_saved": row.calls_saved,
        }
        for row in report.answers
    ]
    return {"months": months, "mixes": mixes, "answers": answers, "outcome_labels": outcome_labels()}


def answer_headers() -> list[str]:
    return [_("answer"), _("answered"), _("renewed afterwards"), _("postcards saved"), _("calls saved")]


def effect_report_xlsx(report: EffectFigures) -> bytes:
    """Four sheets: outcomes by month, last contact before each application, rate by channel mix, answers."""
    rows = present(report)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})
    percent = workbook.add_format({"num_format": "0.0%"})

    sheet = workbook.add_worksheet(_("by expiry month"))
    sheet.write_row(0, 0, [_("expiry month"), *rows["outcome_labels"], _("terms")], bold)
    for index, row in enumerate(rows["months"], start=1):
        sheet.write_row(index, 0, [row["month"].strftime("%Y-%m"), *row["counts"], row["total"]])

    sheet = workbook.add_worksheet(_("last contact"))
    sheet.write_row(0, 0, [_("expiry month"), _("channel"), _("step"), _("applications")], bold)
    line = 1
    for row in rows["months"]:
        for channel, step, n in row["last_contacts"]:
            sheet.write_row(line, 0, [row["month"].strftime("%Y-%m"), channel, step, n])
            line += 1

    sheet = workbook.add_worksheet(_("by channel mix"))
    sheet.write_row(0, 0, [_("channels received"), _("terms"), _("renewed or applied"), _("renewal rate")], bold)
    for index, mix in enumerate(rows["mixes"], start=1):
        sheet.write_row(index, 0, [mix["label"], mix["terms"], mix["renewed"]])
        sheet.write_number(index, 3, mix["rate"] / 100, percent)

    sheet = workbook.add_worksheet(_("answers"))
    sheet.write_row(0, 0, answer_headers(), bold)
    for index, row in enumerate(rows["answers"], start=1):
        sheet.write_row(
            index, 0, [row["label"], row["answered"], row["renewed"], row["postcards_saved"], row["calls_saved"]]
        )
    workbook.close()
    return buffer.getvalue()
