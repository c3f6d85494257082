"""`Idempotency-Key` replay for state-changing requests: the same key from the same user gets the first
answer again, and the operation runs once.

The key is taken in the operation's own transaction, before the operation: a crash or a lost answer
rolls back both or commits both, so a retry either replays the committed answer or performs the
operation for the first time; a concurrent request with the same key waits on the key's row until the
first commits, then replays its answer. An operation that fails (a 4xx) stores nothing: retrying it
tries again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from rest_framework.request import Request
from rest_framework.response import Response

from applications.models import IdempotencyKey
from config.auth import authenticated_user
from config.domain import Conflict, InvalidInput

MAX_KEY_LENGTH = 100
IN_PROGRESS = 0  # the status of a key whose operation has not committed (never seen outside its transaction)


def idempotent_response(*, request: Request, scope: str, perform: Callable[[], tuple[int, dict[str, Any]]]) -> Response:
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        status_code, body = perform()
        return Response(body, status=status_code)
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            "Idempotency-Key 过长（最多100个字符）。", code="idempotency_key_too_long", field="Idempotency-Key"
        )
    user = authenticated_user(request)  # every state-changing endpoint requires a signed-in user
    with transaction.atomic():
        record, created = IdempotencyKey.objects.select_for_update().get_or_create(
            user=user, key=key, defaults={"scope": scope, "response_status": IN_PROGRESS, "response_body": {}}
        )
        if record.scope != scope:
            raise Conflict(
                "该 Idempotency-Key 已用于另一请求。", code="idempotency_key_reused", field="Idempotency-Key"
            )
        if created:
            record.response_status, record.response_body = perform()
            record.save(update_fields=["response_status", "response_body"])
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "false" if created else "true"
    return response
