"""Adapters to what lies outside us: the SMS gateway, and e-mail through Django's mail backends.

The default SMS backend only logs that a message was sent (to a masked number); a real gateway
backend implements `send(phone, text)` and is named in the `SMS_BACKEND` setting.
"""

from __future__ import annotations

import logging
from typing import ClassVar, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from accounts.identity import mask_phone

logger = logging.getLogger(__name__)
# A neutral subject: e-mail, like SMS, never carries the disease or the diagnosis.
EMAIL_SUBJECT = "【医保慢特病】您有一条新消息"


class SmsBackend(Protocol):
    def send(self, *, phone: str, text: str) -> None: ...


class LogSmsBackend:
    def send(self, *, phone: str, text: str) -> None:
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


def email_send(*, address: str, text: str) -> None:
    send_mail(EMAIL_SUBJECT, text, None, [address])
