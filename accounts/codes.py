"""One-time SMS codes: proof that the caller holds a phone (registration, password reset, phone change).

Six digits, valid `SMS_CODE_MINUTES` (5), five wrong tries, then dead; the newest code of a phone and
purpose is the one that counts. A phone gets at most one code a minute and `SMS_CODES_PER_PHONE_HOUR`
an hour, an address `SMS_CODES_PER_IP_HOUR`: an attacker can neither guess a code nor use the bureau
to flood someone's phone. Only a keyed hash of the code is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import CodePurpose, SmsCode, User
from config.domain import InvalidInput, TooManyRequests, Unavailable
from config.sms import sms_send

logger = logging.getLogger(__name__)
CODE_DIGITS = 6
MAX_TRIES = 5
WRONG = "验证码不正确或已失效，请重新获取。"


def _hash(*, phone: str, purpose: str, code: str) -> str:
    message = f"{purpose}:{phone}:{code}".encode()
    return hmac.new(str(settings.SECRET_KEY).encode(), message, hashlib.sha256).hexdigest()


def sms_code_send(
    *, phone: str, purpose: str, ip_address: str | None, user: User | None = None, asked_by: str = ""
) -> None:
    """Send a new code to `phone` for `purpose`, within the rate limits (429 `sms_code_too_soon`,
    `sms_code_limit`)."""
    now = timezone.now()
    sent = SmsCode.objects.filter(created_at__gte=now - dt.timedelta(hours=1))
    resend_after = dt.timedelta(seconds=settings.SMS_CODE_RESEND_SECONDS)
    last = sent.filter(phone=phone).order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now - last < resend_after:
        wait = int((resend_after - (now - last)).total_seconds()) + 1
        raise TooManyRequests(f"验证码已发送，请{wait}秒后再试。", code="sms_code_too_soon", field="phone")
    if sent.filter(phone=phone).count() >= settings.SMS_CODES_PER_PHONE_HOUR or (
        ip_address and sent.filter(ip_address=ip_address).count() >= settings.SMS_CODES_PER_IP_HOUR
    ):
        raise TooManyRequests("获取验证码过于频繁，请一小时后再试。", code="sms_code_limit", field="phone")
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    label = CodePurpose(purpose).label
    text = (
        f"【医保慢特病】{asked_by}验证码{code}，用于{label}，{settings.SMS_CODE_MINUTES}分钟内有效。"
        "请勿告诉他人；如非本人操作，请忽略。"
    )
    try:
        sms_send(phone=phone, text=text)
    except Exception:  # the gateway is outside us: its failure is a lost dependency, not our error
        logger.warning("sms gateway failed for a %s code", purpose, exc_info=True)
        raise Unavailable("短信服务暂时不可用，请稍后再试。", code="sms_unavailable") from None
    SmsCode.objects.create(
        phone=phone,
        purpose=purpose,
        code_hash=_hash(phone=phone, purpose=purpose, code=code),
        expires_at=now + dt.timedelta(minutes=settings.SMS_CODE_MINUTES),
        ip_address=ip_address,
        user=user,
    )


def sms_code_consume(*, phone: str, purpose: str, code: str, user: User | None = None, field: str = "sms_code") -> None:
    """Use the phone's newest live code for `purpose`; a wrong one counts a try (kept even though the
    caller's request fails) and 400 `sms_code_invalid` names `field` (the request's code field)."""
    now = timezone.now()
    with transaction.atomic():
        row = (
            SmsCode.objects.select_for_update()
            .filter(phone=phone, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        right = (
            row is not None
            and row.attempts < MAX_TRIES
            and (user is None or row.user_id == user.pk)
            and hmac.compare_digest(row.code_hash, _hash(phone=phone, purpose=purpose, code=code.strip()))
        )
        if row is not None:
            if right:
                row.used_at = now
            else:
                row.attempts += 1
            row.save(update_fields=["used_at", "attempts"])
    if not right:
        raise InvalidInput(WRONG, code="sms_code_invalid", field=field)
