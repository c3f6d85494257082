"""Health of a running process, for the orchestrator and the load balancer.

`/health/` (liveness): the process answers; it touches nothing else, so a database outage does not get
every web process restarted. `/ready/` (readiness): it can serve, the database, the broker and the
document storage answer, every migration is applied and the bureau's PDF signing key loads; 503 with
the failing check named otherwise (django-health-check's checks, with three of our own)."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Database, Storage
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (Redis, or the embedded filesystem queue)."""

    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=5), repr=False)

    def run(self) -> None:
        from config.celery import app

        try:
            with app.connection_for_write() as broker:
                broker.ensure_connection(max_retries=1, timeout=3)
        except Exception as exc:  # kombu raises the transport's own errors
            raise ServiceUnavailable(f"broker unreachable ({type(exc).__name__})") from exc


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration of the code that runs is applied (a deploy that skipped `migrate` is not ready)."""

    def run(self) -> None:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migrations not applied")


@dataclasses.dataclass
class SigningKey(HealthCheck):
    """The bureau's PDF signing key and certificate load (a certificate download needs them)."""

    def run(self) -> None:
        from config.pdf.signing import pdf_signer_check

        try:
            pdf_signer_check()
        except ImproperlyConfigured as exc:
            raise ServiceUnavailable("PDF signing key or certificate missing or unreadable") from exc


class ReadyView(HealthCheckView):
    checks = (Database, Broker, Storage, Migrations, SigningKey)

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        await super().get(request, *args, **kwargs)  # runs the checks into self.results
        failed = {repr(r.check): str(r.error) for r in self.results if r.error}
        body = {"status": "unavailable" if failed else "ready", "failed": failed}
        return JsonResponse(body, status=503 if failed else 200, headers={"Cache-Control": "no-store"})


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})
