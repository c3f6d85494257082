"""The logging configuration (text or JSON lines, each with the request id), and a filter: Django logs a
request body over the limit (and too many files or fields) as a security ERROR with a traceback; it is
a client's mistake, so it is kept as a WARNING without one."""

from __future__ import annotations

import logging
from typing import Any


class ClientMistakeAsWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    """`LOG_FORMAT=json` (production's default) for a log collector: every line an object with time,
    level, logger, message, request_id, and the request's or task's fields (config/observability.py)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            },
        },
        "filters": {
            "client_mistake": {"()": "config.logging.ClientMistakeAsWarning"},
            "request_id": {"()": "config.observability.RequestIdFilter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if log_format == "json" else "text",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # 4xx answers are the request line's business (its status); Django's own line is for 5xx.
            "django.request": {"level": "ERROR"},
            # The request line says it all; axes says "BEGIN" on every start: a warning only when it matters.
            "django.server": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
            # The PDF font subsetter narrates every table it cuts.
            "fontTools": {"level": "WARNING"},
            **{
                f"django.security.{name}": {"filters": ["client_mistake"]}
                for name in ("RequestDataTooBig", "TooManyFilesSent", "TooManyFieldsSent")
            },
        },
    }
