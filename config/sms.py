"""The adapter to the SMS gateway, what lies outside us: one `send(phone, text)` for every sender
(notification deliveries, the one-time codes of accounts). A real gateway's backend implements it and
is named in `SMS_BACKEND`.

`LogSmsBackend`, the default, logs that a message went to a masked number; in demo mode only it also
logs the text and appends it to VAR_DIR/log/sms.log, the demo's phone (where a newcomer reads the
registration code), never in production.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.identity import mask_phone

logger = logging.getLogger(__name__)


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class LogSmsBackend:
    def send(self, *, phone: str, text: str) -> None:
        if settings.DEMO_MODE:
            logger.info("sms to %s (demo mode: the text is shown): %s", mask_phone(phone), text)
            inbox = Path(settings.VAR_DIR) / "log" / "sms.log"
            inbox.parent.mkdir(parents=True, exist_ok=True)
            with inbox.open("a", encoding="utf-8") as handle:
                handle.write(f"{timezone.localtime():%Y-%m-%d %H:%M:%S}  {mask_phone(phone)}  {text}\n")
        else:
            logger.info("sms to %s: %d characters", mask_phone(phone), len(text))


class LocMemSmsBackend:
    """For tests: keeps messages in memory."""

    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend


def sms_send(*, phone: str, text: str) -> None:
    sms_backend().send(phone=phone, text=text)


def sms_notice(*, phone: str, text: str) -> bool:
    """Send a courtesy notice (someone tried your ID number, your phone changed) whose failure must not
    fail the request that caused it: a gateway error is logged and the request goes on."""
    try:
        sms_send(phone=phone, text=text)
    except Exception:  # the gateway is outside us
        logger.warning("sms gateway failed for a notice to %s", mask_phone(phone), exc_info=True)
        return False
    return True
