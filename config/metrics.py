"""Prometheus metrics at `/metrics` (django-prometheus: requests, latencies, database and cache
calls) and the business gauges an operator watches, read from the database at each scrape: cases by
status, completeness checks waiting, overdue cases, outbox messages to the platform by status, failed
deliveries. Only the monitoring network may read it (`METRICS_ALLOWED_NETWORKS`); others get a 404."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from django.apps import apps
from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django_prometheus.exports import ExportToDjangoView
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

NAMES = {
    "osd_applications": ("Applications by status", ["status"]),
    "osd_checks_waiting": ("Submissions waiting for their completeness check", None),
    "osd_overdue_cases": ("Cases under review past their deadline", None),
    "osd_platform_outbox": ("Messages to the platform by status", ["status"]),
    "osd_deliveries_failed": ("Notifications whose SMS or e-mail delivery failed", None),
}


class BusinessCollector(Collector):
    def describe(self) -> Iterator[GaugeMetricFamily]:
        """The metric names without their values: registering reads no table (the process may start
        before the database is migrated)."""
        for name, (documentation, labels) in NAMES.items():
            yield GaugeMetricFamily(name, documentation, labels=labels)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        Application = apps.get_model("applications", "Application")
        by_status = GaugeMetricFamily("osd_applications", "Applications by status", labels=["status"])
        for row in Application.objects.order_by().values("status").annotate(n=Count("pk")):
            by_status.add_metric([row["status"]], row["n"])
        yield by_status
        yield GaugeMetricFamily(
            "osd_checks_waiting",
            "Submissions waiting for their completeness check",
            value=Application.objects.filter(status="submitted").count(),
        )
        yield GaugeMetricFamily(
            "osd_overdue_cases",
            "Cases under review past their deadline",
            value=Application.objects.filter(status="under_review", overdue_since__isnull=False).count(),
        )
        PlatformMessage = apps.get_model("certification", "PlatformMessage")
        outbox = GaugeMetricFamily("osd_platform_outbox", "Messages to the platform by status", labels=["status"])
        for row in PlatformMessage.objects.order_by().values("status").annotate(n=Count("pk")):
            outbox.add_metric([row["status"]], row["n"])
        yield outbox
        Notification = apps.get_model("notifications", "Notification")
        yield GaugeMetricFamily(
            "osd_deliveries_failed",
            "Notifications whose SMS or e-mail delivery failed",
            value=Notification.objects.filter(Q(sms_status="failed") | Q(email_status="failed")).count(),
        )


_registered = False


def business_metrics_register() -> None:
    """Once per process (AppConfig.ready may run more than once in tests)."""
    global _registered
    if not _registered:
        REGISTRY.register(BusinessCollector())
        _registered = True


def metrics(request: HttpRequest) -> HttpResponse:
    address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "0.0.0.0"))  # noqa: S104 (a value, not a bind)
    if not any(address in ipaddress.ip_network(net) for net in settings.METRICS_ALLOWED_NETWORKS):
        raise Http404
    response: HttpResponse = ExportToDjangoView(request)
    return response
