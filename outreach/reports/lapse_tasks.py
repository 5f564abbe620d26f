"""The nightly lapse model, in a module of its own: scikit-learn is loaded by the worker that
trains and scores, never by the web processes that import the other report tasks."""

import logging

from celery import shared_task
from django.utils import timezone

from ccus.oplog import log_batch
from outreach.reports import lapse_model

logger = logging.getLogger(__name__)


@shared_task(name="outreach.tasks.train_lapse_model_task", acks_late=True, soft_time_limit=1700, time_limit=1800)
def train_lapse_model_task() -> dict:
    """Nightly: learn the lapse model again from the ended terms, then score every current term.

    Too little history leaves the queue in expiry order and is logged, not retried: tomorrow's
    run learns from a day more. A file that fails to load is recorded on its row for the
    supervisors' home page.
    """
    today = timezone.localdate()
    try:
        row = lapse_model.train(today=today)
        scored = lapse_model.score_current(row=row, today=today)
    except lapse_model.LapseModelError as error:
        log_batch(logger, "lapse_model.skipped", reason=str(error))
        return {"skipped": str(error)}
    counts = {"model": row.pk, "scored": scored, **{k: row.metrics[k] for k in ("auc", "brier", "top_decile_rate")}}
    log_batch(logger, "lapse_model.trained", **counts)
    return counts
