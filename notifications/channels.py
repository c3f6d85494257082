"""Adapters to what lies outside us: e-mail through Django's mail backends, and the SMS gateway
(config/sms.py, shared with the one-time codes of accounts; its names stay importable from here, so an
`SMS_BACKEND` of `notifications.channels.…` keeps working)."""

from __future__ import annotations

from django.core.mail import send_mail

from config.sms import LocMemSmsBackend, LogSmsBackend, SmsBackend, sms_backend, sms_send

__all__ = ["EMAIL_SUBJECT", "LocMemSmsBackend", "LogSmsBackend", "SmsBackend", "email_send", "sms_backend", "sms_send"]

# A neutral subject: e-mail, like SMS, never carries the disease or the diagnosis.
EMAIL_SUBJECT = "【医保慢特病】您有一条新消息"


def email_send(*, address: str, text: str) -> None:
    send_mail(EMAIL_SUBJECT, text, None, [address])
