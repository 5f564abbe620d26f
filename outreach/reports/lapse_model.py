"""Lapse risk: train on ended terms, validate on later months, store safely, score every current term.

The model is scikit-learn's gradient-boosted trees (HistGradientBoostingClassifier, the
prefecture as a categorical feature, shallow trees) with Platt-calibrated
probabilities (CalibratedClassifierCV, sigmoid, three folds): a risk of 0.3 means about three
in ten such terms lapsed. Sigmoid rather than isotonic keeps the trees' ranking (isotonic
steps tie many terms, and the queue orders by the risk).

Validation is on time: the latest quarter of the ended terms' expiry months is held out, the
model learns on the months before and is measured on those (AUC, Brier score, the lapse rate
of the top decile against the average). The stored model is the one measured.

The file is a skops archive, never a pickle: loading checks every type it would build against
ALLOWED_TYPES and refuses a file that asks for anything else, so a replaced file cannot run code.
"""

import csv
import datetime
import logging
import math
import time

import numpy as np
import skops.io as sio
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from threadpoolctl import threadpool_limits

from ccus.bulk import insert_rows
from outreach.calls import reach
from outreach.models import LapseModel, LapseRisk
from outreach.reports import lapse_features, lapse_reasons

logger = logging.getLogger(__name__)
# The types a lapse model file may build besides skops' own defaults (checked before loading).
ALLOWED_TYPES = [
    "functools.partial",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.utils.validation.check_array",
]
HELD_OUT_SHARE = 0.25
MIN_TERMS = 200  # ended terms to learn from, at least
MIN_HELD_OUT = 50  # ended terms in the held-out months, at least
TOP_SHARE = 0.1
WINDOW_DAYS = 180  # a renewal can be applied for from six months before expiry
SCORE_CHUNK = 50_000
# The trees' OpenMP threads: one. The worker shares its cores with the web and the database, and
# OpenMP threads that wait for a busy core spin: measured on two shared cores, a fit took 1.2 s
# on one thread and 10–22 s on two.
THREADS = 1


class LapseModelError(Exception):
    """Training or loading failed; the message is for the supervisor."""


def _month(value: int) -> str:
    return f"{value // 12}-{value % 12 + 1:02d}"


def _estimator(categorical: list[int]) -> CalibratedClassifierCV:
    trees = HistGradientBoostingClassifier(
        # Shallow trees, slowly: the register's patterns are a few interactions (no e-mail × region),
        # and a small register's thousand terms would be overfitted by deeper ones.
        max_iter=150,
        learning_rate=0.05,
        max_depth=3,
        categorical_features=categorical,
        early_stopping=False,
        random_state=0,
    )
    return CalibratedClassifierCV(trees, method="sigmoid", cv=3, ensemble=False)


def top_share_rate(lapsed: np.ndarray, risk: np.ndarray, share: float = TOP_SHARE) -> float:
    """The lapse rate among the `share` of terms with the highest risk."""
    count = max(1, math.ceil(len(risk) * share))
    top = np.argsort(-risk, kind="stable")[:count]
    return float(lapsed[top].mean())


def split_months(months: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """(mask of the terms to learn from, the held-out months): the latest quarter of months held out."""
    distinct = sorted(set(months.tolist()))
    if len(distinct) < 2:
        raise LapseModelError(
            _("Too little history to learn from: ended terms of at least two expiry months are needed.")
        )
    held_out = distinct[-max(1, round(len(distinct) * HELD_OUT_SHARE)) :]
    return months < held_out[0], held_out


def train(*, today: datetime.date) -> LapseModel:
    """Learn from the ended terms, measure on the latest months, store the file and its row.

    1. features of every term that expired before today, and whether it lapsed;
    2. learn on the earlier expiry months, measure on the latest ones;
    3. the reach table of the phone desk from the call history;
    4. the skops file under lapse_models/ and a LapseModel row with the metrics.
    """
    started = time.perf_counter()
    groups = lapse_features.trade_group_names()
    frame = lapse_features.build_frame(today=today, ended=True, groups=groups)
    if len(frame) < MIN_TERMS:
        raise LapseModelError(
            _("Too little history to learn from: %(count)s ended terms (at least %(minimum)s are needed).")
            % {"count": len(frame), "minimum": MIN_TERMS}
        )
    learn, held_out = split_months(frame.expiry_months)
    test = ~learn
    if test.sum() < MIN_HELD_OUT or len(set(frame.lapsed[learn].tolist())) < 2 or len(set(frame.lapsed[test])) < 2:
        raise LapseModelError(
            _(
                "Too little history to learn from: the earlier and the latest months each need terms that "
                "lapsed and terms that renewed (at least %(minimum)s terms in the latest months)."
            )
            % {"minimum": MIN_HELD_OUT}
        )
    categorical = [frame.names.index(name) for name in lapse_features.CATEGORICAL]
    with threadpool_limits(limits=THREADS, user_api="openmp"):
        model = _estimator(categorical).fit(frame.features[learn], frame.lapsed[learn])
        risk = model.predict_proba(frame.features[test])[:, 1]
    lapsed = frame.lapsed[test]
    metrics = {
        "auc": float(roc_auc_score(lapsed, risk)),
        "brier": float(brier_score_loss(lapsed, risk)),
        "top_decile_rate": top_share_rate(lapsed, risk),
        "average_rate": float(lapsed.mean()),
        "learned_terms": int(learn.sum()),
        "held_out_terms": int(test.sum()),
        "learned_months": [_month(int(frame.expiry_months[learn].min())), _month(held_out[0] - 1)],
        "held_out_months": [_month(held_out[0]), _month(held_out[-1])],
    }
    spec = {
        "not_applied_share": not_applied_share(frame),
        "features": frame.names,
        "categorical": categorical,
        "trade_groups": groups,
        "references": lapse_reasons.references(frame.features[learn], frame.names),
        "lead_days": lapse_features.LEAD_DAYS,
    }
    now = timezone.now()
    row = LapseModel(
        trained_at=now, spec=spec, metrics=metrics, reach=reach.reach_table(), seconds=time.perf_counter() - started
    )
    row.file.save(f"lapse-{timezone.localtime(now):%Y%m%d-%H%M%S}.skops", ContentFile(sio.dumps(model)), save=False)
    row.save()
    return row


def not_applied_share(frame: lapse_features.Frame) -> list[float]:
    """For 0 … WINDOW_DAYS days before expiry: the share of the renewing terms whose application had
    not come yet with that many days left.

    The queue's risk of a term still without an application rises as its expiry nears, by Bayes:
    P(lapse | none yet with d days left) = r / (r + (1 − r) × share[d]) (outreach.calls.priority).
    Smoothed with one renewal each way, so no share is 0 or 1.
    """
    lead = (frame.expires - frame.applied)[frame.lapsed == 0]
    lead = np.sort(lead[lead >= 0])
    days = np.arange(WINDOW_DAYS + 1)
    before = np.searchsorted(lead, days, side="left")  # renewals applied fewer than d days before expiry
    return [round(float(share), 4) for share in (before + 1) / (len(lead) + 2)]


def metrics_line(metrics: dict) -> str:
    """The training's last line: AUC, Brier score and the top decile's lapse rate against the average."""
    average = metrics["average_rate"]
    return _(
        "AUC %(auc).3f, Brier score %(brier).3f, lapse rate of the top decile %(top).1f%% against "
        "%(average).1f%% on average (%(lift).2f×), on the held-out months %(first)s – %(last)s"
    ) % {
        "auc": metrics["auc"],
        "brier": metrics["brier"],
        "top": metrics["top_decile_rate"] * 100,
        "average": average * 100,
        "lift": metrics["top_decile_rate"] / average if average else 0,
        "first": metrics["held_out_months"][0],
        "last": metrics["held_out_months"][1],
    }


def latest() -> LapseModel | None:
    return LapseModel.objects.first()


def load(row: LapseModel) -> CalibratedClassifierCV:
    """The estimator of a model row, read safely; LapseModelError when the file cannot be used."""
    try:
        with default_storage.open(row.file.name, "rb") as handle:
            data = handle.read()
        unknown = set(sio.get_untrusted_types(data=data)) - set(ALLOWED_TYPES)
        if unknown:
            message = _("The model file asks for types that are not allowed: %(types)s")
            raise LapseModelError(message % {"types": ", ".join(sorted(unknown))})
        model = sio.loads(data, trusted=ALLOWED_TYPES)
    except LapseModelError:
        raise
    except Exception as error:  # a missing, truncated or foreign file fails in many ways; all mean "unusable"
        # The library's own words (English) go to the log; the supervisor reads what it means.
        logger.warning("lapse model file %s cannot be read: %r", row.file.name, error)
        raise LapseModelError(
            _("The model file %(name)s cannot be read (missing, damaged or not a model file).")
            % {"name": row.file.name}
        ) from error
    if not isinstance(model, CalibratedClassifierCV) or model.n_features_in_ != len(row.spec.get("features", [])):
        raise LapseModelError(_("The model file %(name)s is not this model's.") % {"name": row.file.name})
    if row.spec["features"] != lapse_features.feature_names(row.spec.get("trade_groups", [])):
        message = _("The model file %(name)s was trained on other features; train it again (train_lapse_model).")
        raise LapseModelError(message % {"name": row.file.name})
    return model


def score_current(*, row: LapseModel, today: datetime.date) -> int:
    """Score every current term with the model of `row` and replace the stored risks; returns how many.

    A file that cannot be loaded is recorded on the row (the queue then keeps expiry order and the
    supervisors' home page says why) and LapseModelError is raised.
    """
    try:
        model = load(row)
    except LapseModelError as error:
        LapseModel.objects.filter(pk=row.pk).update(load_error=str(error))
        row.load_error = str(error)
        raise
    frame = lapse_features.build_frame(today=today, ended=False, groups=row.spec["trade_groups"])
    explain = lapse_reasons.Explainer(model, row.spec)
    with transaction.atomic(), threadpool_limits(limits=THREADS, user_api="openmp"):
        LapseRisk.objects.all().delete()
        written = insert_rows(
            LapseRisk._meta.db_table,
            ["term_id", "business_id", "model_id", "risk", "reasons"],
            _risk_rows(frame, model, explain, row.pk),
        )
        LapseModel.objects.filter(pk=row.pk).update(load_error="", scored_at=timezone.now(), scored_terms=written)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {LapseRisk._meta.db_table}")
    row.refresh_from_db()
    return written


def _risk_rows(frame, model, explain, model_id: int):
    for start in range(0, len(frame), SCORE_CHUNK):
        chunk = slice(start, start + SCORE_CHUNK)
        features = frame.features[chunk]
        risks = model.predict_proba(features)[:, 1]
        for term_id, business_id, risk, reasons in zip(
            frame.term_ids[chunk], frame.business_ids[chunk], risks, explain.reasons(features), strict=True
        ):
            yield int(term_id), int(business_id), model_id, round(float(risk), 4), "、".join(reasons)[:300]


EXPORT_HEADER = ["事業者ID", "失効リスク", "主な理由"]


def export_csv(handle) -> int:
    """Write 事業者ID, risk (0–1) and the main reasons of every scored current term, highest risk first."""
    writer = csv.writer(handle)
    writer.writerow(EXPORT_HEADER)
    rows = (
        LapseRisk.objects.order_by("-risk", "business__ccus_id")
        .values_list("business__ccus_id", "risk", "reasons")
        .iterator(chunk_size=5_000)
    )
    count = 0
    for ccus_id, risk, reasons in rows:
        writer.writerow([ccus_id, f"{risk:.4f}", reasons])
        count += 1
    return count
