"""API clients for the tests, and registration the way a person does it (a code by SMS first)."""

import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.identity import validate_mobile
from config.sms import LocMemSmsBackend

CODE = re.compile(r"验证码(\d{6})")


def bearer_client(user) -> APIClient:
    """A client signed in as `user` with a bearer token, as a frontend is."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def sms_code(client: APIClient, phone: str, purpose: str = "register") -> str:
    """Ask for a one-time code for `phone` and read it from the SMS the test backend kept."""
    response = client.post("/api/v1/auth/sms-code/", {"phone": phone, "purpose": purpose}, format="json")
    assert response.status_code == 202, response.content
    texts = [text for to, text in LocMemSmsBackend.outbox if to == phone and CODE.search(text)]
    if not texts:  # the log backend of demo mode: its inbox file
        inbox = Path(settings.VAR_DIR) / "log" / "sms.log"
        masked = f"  {phone[:3]}****{phone[-4:]}  "
        texts = [line for line in inbox.read_text(encoding="utf-8").splitlines() if masked in line]
    assert texts, f"no code was sent to {phone}"
    match = CODE.search(texts[-1])
    assert match is not None
    return match.group(1)


def register(client: APIClient, body: dict, **extra):  # type: ignore[no-untyped-def]
    """POST /auth/register/ with a fresh code for the body's phone (a valid one, or none if it is not)."""
    try:
        phone = validate_mobile(str(body.get("phone", "")))
    except ValidationError:  # the registration will say what is wrong with it
        code = "000000"
    else:
        code = sms_code(client, phone)
    extra.setdefault("format", "json")
    return client.post("/api/v1/auth/register/", {**body, "sms_code": code}, **extra)
