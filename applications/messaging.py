"""Adapters to what lies outside us: the SMS gateway. E-mail goes through Django's mail backends.

The default SMS backend only logs that a message was sent (to a masked number); a real gateway
backend implements `send(phone, text)` and is named in the `SMS_BACKEND` setting.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.identity import mask_phone

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class LogSmsBackend:
    def send(self, *, phone: str, text: str) -> None:
        logger.info("sms to %s: %d characters", mask_phone(phone), len(text))


class LocMemSmsBackend:
    """For tests: keeps messages in memory."""

    outbox: list[tuple[str, str]] = []

    def send(self, *, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
