"""What an operator reads: one log line per request and per task, each with a request id (the same id
as the `instance` of an error answer, and the `X-Request-ID` header of every answer), its duration and
status and the acting user's id (never a name, an ID number or a phone); JSON in production
(`LOG_FORMAT=json`), text locally.

`request_id()` is the id of the request being served (a fresh one outside a request); the error format
uses it, so a help desk finds the log line of the answer a person shows them."""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from celery import Task
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("osd.request")
task_logger = logging.getLogger("osd.task")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# An id a proxy sent is kept if it is a UUID (nothing else reaches the logs through the header).
_INCOMING = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def request_id() -> str:
    return _current.get() or str(uuid.uuid4())


class RequestIdFilter(logging.Filter):
    """Puts the request id on every record logged while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True


class RequestLogMiddleware:
    """Outermost middleware: assigns the request id, times the request, logs one line when it ends."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _INCOMING.match(incoming) else str(uuid.uuid4())
        token = _current.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = rid
            user = getattr(request, "user", None)
            # The route, not the path: a path carries ids and codes (a certificate's verification code);
            # the request id leads to the details. Only a path that matched no route is logged as it came.
            match = getattr(request, "resolver_match", None)
            path = f"/{match.route}" if match is not None and match.route else request.path[:200]
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                extra={
                    "event": "request",
                    "method": request.method,
                    "path": path,  # never the query string: it may carry a search by name or number
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None,
                },
            )
            return response
        finally:
            _current.reset(token)


class LoggedTask(Task):
    """Every Celery task of the project: one log line when it ends, with its duration and outcome."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        token = _current.set(self.request.id or str(uuid.uuid4()))
        started = time.perf_counter()
        outcome = "error"
        try:
            result = super().__call__(*args, **kwargs)
            outcome = "ok"
            return result
        finally:
            duration = round((time.perf_counter() - started) * 1000, 1)
            task_logger.info(
                "task %s %s %.1fms",
                self.name,
                outcome,
                duration,
                extra={"event": "task", "task": self.name, "outcome": outcome, "duration_ms": duration},
            )
            _current.reset(token)


def sentry_init() -> None:
    """Error tracking when `SENTRY_DSN` is set: exceptions of requests and tasks, with no personal data
    (no request bodies, no cookies, no user fields); the request id goes along as a tag."""
    from django.conf import settings

    if not settings.SENTRY_DSN:
        return
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    def scrub(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        event.setdefault("tags", {})["request_id"] = _current.get() or "-"
        request = event.get("request") or {}
        for key in ("data", "cookies", "query_string"):
            request.pop(key, None)
        event.pop("user", None)
        return event

    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        before_send=scrub,  # type: ignore[arg-type]
    )


DRAIN_MAX_BYTES = 64 * 1024 * 1024
_DRAIN_CHUNK = 64 * 1024


class DrainUnreadBodyMiddleware:
    """A request refused before its body was read (an upload over the limit, a JSON body too large)
    leaves the rest of the body in the connection: the server would read it as the next request and the
    client would see its connection reset. Read and discard what is left (bounded), so the client gets
    its answer and can go on using the connection; past the bound, close the connection instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        stream = getattr(request, "_stream", None)
        if isinstance(stream, LimitedStream):
            unread = stream.limit - stream._pos  # type: ignore[attr-defined]  # (Django keeps no public count)
            if 0 < unread <= DRAIN_MAX_BYTES:
                while stream.read(_DRAIN_CHUNK):
                    pass
            elif unread > 0:
                response["Connection"] = "close"
        return response
