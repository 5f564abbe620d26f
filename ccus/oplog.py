"""Structured operation logs: one JSON line per batch, so counts can be searched and alerted on."""

import json
import logging


def log_batch(logger: logging.Logger, event: str, level: int = logging.INFO, **fields) -> None:
    """Log `event` with its counts as one JSON object (Japanese kept readable, dates as ISO)."""
    logger.log(level, json.dumps({"event": event, **fields}, ensure_ascii=False, default=str, sort_keys=True))
