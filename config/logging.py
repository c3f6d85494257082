"""Logging helpers: Django logs a request body over the limit (and too many files or fields) as a
security ERROR with a traceback; it is a client's mistake, so it is kept as a WARNING without one."""

from __future__ import annotations

import logging


class ClientMistakeAsWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text = None, None
        return True
