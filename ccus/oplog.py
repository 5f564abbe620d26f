"""Structured operation logs: one JSON line per batch, so counts can be searched and alerted on."""

import json
import logging


def log_batch(logger: logging.Logger, event: str, level: int = logging.INFO, **fields) -> None:
    """Log `event` with its counts as one JSON object (Japanese kept readable, dates as ISO)."""
    line = json.dumps({"event": event, **fields}, ensure_ascii=False, default=str, sort_keys=True)
    logger.log(level, line, extra={"operation_log": True})


class HideOperationLines(logging.Filter):
    """Keeps routine JSON lines off a console a person reads (the embedded default); warnings still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "operation_log", False) or record.levelno >= logging.WARNING
