"""`Idempotency-Key` replay for state-changing requests: the same key from the same user gets the
first answer again, and the operation runs once."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework.request import Request
from rest_framework.response import Response

from applications.models import IdempotencyKey
from config.auth import authenticated_user
from config.domain import Conflict, InvalidInput

MAX_KEY_LENGTH = 100


def idempotent_response(*, request: Request, scope: str, perform: Callable[[], tuple[int, dict]]) -> Response:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        status_code, body = perform()
        return Response(body, status=status_code)
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            "Idempotency-Key 过长（最多100个字符）。", code="idempotency_key_too_long", field="Idempotency-Key"
        )

    user = authenticated_user(request)  # every state-changing endpoint requires a signed-in user
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    replayed = stored is not None
    if stored is None:
        status_code, body = perform()
        try:
            with transaction.atomic():
                stored = IdempotencyKey.objects.create(
                    user=user, key=key, scope=scope, response_status=status_code, response_body=body
                )
        except IntegrityError:  # a concurrent request with the same key stored its answer first
            stored = IdempotencyKey.objects.get(user=user, key=key)
            replayed = True
    if stored.scope != scope:
        raise Conflict("该 Idempotency-Key 已用于另一请求。", code="idempotency_key_reused", field="Idempotency-Key")
    response = Response(stored.response_body, status=stored.response_status)
    response["Idempotent-Replayed"] = "true" if replayed else "false"
    return response
