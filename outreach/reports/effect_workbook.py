"""The effect report in words and as an XLSX workbook.

The report is a few dozen aggregated rows, so the workbook is written in the request
with xlsxwriter's constant-memory mode, not by a background task.
"""

import io

import xlsxwriter
from django.utils.translation import gettext as _

from ccus.tabular.sheets import Share, Sheet
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

    sheet = Sheet(workbook, _("by expiry month"))
    sheet.header([_("expiry month"), *rows["outcome_labels"], _("terms")])
    for row in rows["months"]:
        sheet.row([row["month"].strftime("%Y-%m"), *row["counts"], row["total"]])
    sheet.close()

    sheet = Sheet(workbook, _("last contact"))
    sheet.header([_("expiry month"), _("channel"), _("step"), _("applications")])
    for row in rows["months"]:
        for channel, step, n in row["last_contacts"]:
            sheet.row([row["month"].strftime("%Y-%m"), channel, step, n])
    sheet.close()

    sheet = Sheet(workbook, _("by channel mix"))
    sheet.header([_("channels received"), _("terms"), _("renewed or applied"), _("renewal rate")])
    for mix in rows["mixes"]:
        sheet.row([mix["label"], mix["terms"], mix["renewed"], Share(mix["rate"] / 100)])
    sheet.close()

    sheet = Sheet(workbook, _("answers"))
    sheet.header(answer_headers())
    for row in rows["answers"]:
        sheet.row([row["label"], row["answered"], row["renewed"], row["postcards_saved"], row["calls_saved"]])
    sheet.close()
    workbook.close()
    return buffer.getvalue()
