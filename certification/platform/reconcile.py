"""The daily `platform_reconcile` job: ask the platform (5301) what it holds for every person whose
certifications changed in the last 7 days, compare with what this system believes it registered, and
tell the officers about each difference. Officers can check any certification at once from the admin
(`platform_reconcile_certifications`). Messages still in the outbox are in flight: not a difference."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from accounts.identity import mask_id_number, mask_name
from certification.models import (
    LIVE_CERTIFICATION_STATUSES,
    Certification,
    PlatformMessageStatus,
    PlatformStatus,
)
from certification.platform import messages
from certification.platform.client import platform_client
from notifications.models import NotificationKind
from notifications.services import notify_officers

logger = logging.getLogger(__name__)
LOOKBACK_DAYS = 7


@dataclass
class ReconcileReport:
    people: int = 0
    checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    unreachable: int = 0

    def __str__(self) -> str:
        return (
            f"{self.people} people, {self.checked} certifications checked, {len(self.mismatches)} mismatches, "
            f"{self.unreachable} queries failed"
        )


def platform_reconcile(*, on: dt.date) -> str:
    since = timezone.make_aware(dt.datetime.combine(on - dt.timedelta(days=LOOKBACK_DAYS), dt.time.min))
    report = platform_reconcile_certifications(Certification.objects.filter(updated_at__gte=since))
    if report.mismatches:
        notify_officers(
            kind=NotificationKind.PLATFORM_MISMATCH,
            dedupe_key=f"platform-mismatch:{on:%Y%m%d}",
            params={"on": on, "count": len(report.mismatches), "lines": "\n".join(report.mismatches[:50])},
        )
    logger.info("platform reconcile on %s: %s", on, report)
    return str(report)


def platform_reconcile_certifications(certifications: QuerySet[Certification]) -> ReconcileReport:
    """Compare the given certifications (all of each holder's) with the platform's answer to 5301."""
    report = ReconcileReport()
    holders = {c.holder_id for c in certifications.only("holder_id")}
    by_holder: dict[int, list[Certification]] = defaultdict(list)
    for certification in Certification.objects.filter(holder_id__in=holders).select_related("holder", "disease"):
        by_holder[certification.holder_id].append(certification)
    client = platform_client()
    for own in by_holder.values():
        report.people += 1
        holder = own[0].holder
        envelope = messages.envelope(
            infno=messages.QUERY,
            msgid=f"Q{timezone.now():%Y%m%d%H%M%S%f}"[:30],
            data={"psn_no": messages.person_number(own[0])},
            at=timezone.now(),
        )
        reply = client.send(envelope)
        if not reply.ok:
            report.unreachable += 1
            continue
        listed = reply.output.get("data") or []
        held = {str(row.get("trt_dcla_detl_sn")): row for row in listed if isinstance(row, dict)}
        who = f"{mask_name(holder.name)} {mask_id_number(holder.id_number)}"
        for certification in own:
            report.checked += 1
            problem = _difference(certification, held)
            if problem:
                report.mismatches.append(f"{who} {certification.disease.name}（{certification.code}）：{problem}")
    return report


def _difference(certification: Certification, held: dict[str, dict[str, object]]) -> str:
    in_flight = certification.platform_messages.filter(
        status__in=[PlatformMessageStatus.PENDING, PlatformMessageStatus.SENDING]
    ).exists()
    if in_flight:
        return ""
    number = certification.platform_registration_sn
    row = held.get(number) if number else None
    expected = certification.platform_status == PlatformStatus.REGISTERED and (
        certification.status in LIVE_CERTIFICATION_STATUSES
    )
    if expected and row is None:
        return "本系统显示已登记，平台未查到该登记"
    if not expected and row is not None:
        return f"本系统状态为“{certification.get_status_display()}”，平台仍有有效登记"
    if row is not None:
        ours = messages.register_data(certification)
        for key, label in (("opsp_dise_code", "病种代码"), ("begndate", "开始日期"), ("enddate", "结束日期")):
            if str(row.get(key, "")) != str(ours[key]):
                return f"{label}不一致（平台：{row.get(key)}，本系统：{ours[key]}）"
    return ""
