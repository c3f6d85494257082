"""异地备案: remote-care registration for certified people living or treated elsewhere.

Temporary filings are granted at once; long-term ones need a proof of residence and wait for an
officer, who decides within `REMOTE_FILING_WORKING_DAYS` working days (watched by the SLA sweep)."""

from __future__ import annotations

import datetime as dt
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from applications.access import private_file_open
from certification.models import RemoteFiling, RemoteFilingStatus, RemoteFilingType
from certification.rules import chinese_date
from certification.selectors import certification_holds_any_live, remote_filing_overlapping
from config.domain import DomainError, InvalidInput, InvalidState
from config.uploads import upload_check
from notifications.models import NotificationKind
from notifications.services import notification_send, notify_officers
from reviews.calendar import working_days_add


def remote_filing_decide_by(*, filed_on: dt.date) -> dt.date:
    """The officer's time limit for a long-term filing."""
    return working_days_add(start=filed_on, days=settings.REMOTE_FILING_WORKING_DAYS).deadline


@transaction.atomic
def remote_filing_create(
    *,
    holder: User,
    type: str,
    place: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    proof: UploadedFile | None = None,
) -> RemoteFiling:
    errors = []
    if not certification_holds_any_live(holder=holder):
        raise InvalidState("您还没有有效的门诊慢特病待遇认定，不能办理异地备案。", code="no_live_certification")
    if type not in RemoteFilingType.values:
        errors.append({"field": "type", "code": "invalid", "message": "备案类型只能为 temporary 或 long_term。"})
    if not place.strip():
        errors.append({"field": "place", "code": "required", "message": "请填写就医地。"})
    today = timezone.localdate()
    if not today - dt.timedelta(days=31) <= start_date <= today + dt.timedelta(days=366):
        errors.append(
            {"field": "start_date", "code": "out_of_range", "message": "开始日期须在近一个月内或一年以内的将来。"}
        )
    if end_date is not None and end_date > start_date + dt.timedelta(days=5 * 366):
        errors.append({"field": "end_date", "code": "out_of_range", "message": "备案期限最长为5年。"})
    if end_date is not None and end_date < start_date:
        errors.append({"field": "end_date", "code": "before_start", "message": "结束日期不能早于开始日期。"})
    if type == RemoteFilingType.LONG_TERM and proof is None:
        errors.append(
            {"field": "proof", "code": "required", "message": "异地长期居住备案须上传居住证、户口簿或工作证明。"}
        )
    if errors:
        raise InvalidInput(errors[0]["message"], errors=errors)
    # One filing at a time per person: the lock makes two simultaneous requests (a double tap) take
    # turns, so the second sees the first.
    User.objects.select_for_update().filter(pk=holder.pk).first()
    existing = remote_filing_overlapping(holder=holder, start_date=start_date, end_date=end_date)
    if existing is not None:
        until = f"至{chinese_date(existing.end_date)}" if existing.end_date else "起长期有效"
        raise InvalidState(
            f"您在该期间已有{existing.get_type_display()}备案（{existing.place}，"
            f"{chinese_date(existing.start_date)}{until}，{existing.get_status_display()}），不能重复备案。",
            code="filing_overlaps",
        )

    filing = RemoteFiling(holder=holder, type=type, place=place.strip(), start_date=start_date, end_date=end_date)
    if type == RemoteFilingType.TEMPORARY:
        filing.status = RemoteFilingStatus.GRANTED
        filing.decided_at = timezone.now()
        filing.decision_reason = "临时外出就医备案，即时办结"
    else:
        assert proof is not None
        try:
            checked = upload_check(file=proof)
        except DomainError as exc:  # the input is called `proof` here, not `file`
            for error in exc.errors or []:
                error["field"] = "proof"
            raise
        filing.status = RemoteFilingStatus.PENDING
        filing.decide_by = remote_filing_decide_by(filed_on=today)
        filing.proof_name = checked.original_name
        filing.proof_content_type = checked.content_type
        proof.seek(0)
        content = ContentFile(checked.stored) if checked.stored is not None else File(proof)
        filing.proof.save(checked.extension, content, save=False)
    filing.save()
    if filing.status == RemoteFilingStatus.PENDING:
        notify_officers(
            kind=NotificationKind.REMOTE_FILING,
            params={"decide_by": filing.decide_by},
            dedupe_key=f"remote-filing:{filing.pk}",
        )
    return filing


@transaction.atomic
def remote_filing_decide(*, filing: RemoteFiling, officer: User, grant: bool, reason: str = "") -> RemoteFiling:
    filing = RemoteFiling.objects.select_for_update().get(pk=filing.pk)
    if filing.status != RemoteFilingStatus.PENDING:
        raise InvalidState("该备案已办结。", code="filing_decided")
    if not grant and not reason.strip():
        raise InvalidInput("不予备案时须填写理由。", code="reason_required", field="reason")
    filing.status = RemoteFilingStatus.GRANTED if grant else RemoteFilingStatus.REJECTED
    filing.decided_at = timezone.now()
    filing.decided_by = officer
    filing.decision_reason = reason.strip() or "材料齐全，准予备案"
    filing.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    notification_send(
        user=filing.holder,
        kind=NotificationKind.REMOTE_FILING_DECIDED,
        params={
            "outcome": "已办结" if grant else "未通过",
            "filing_type": filing.get_type_display(),
            "place": filing.place,
            "status": filing.get_status_display(),
            "reason": filing.decision_reason,
        },
        dedupe_key=f"remote-filing-decided:{filing.pk}",
    )
    return filing


def remote_filing_proof_open(
    *, filing: RemoteFiling, user: User, ip_address: str | None, user_agent: str = ""
) -> IO[bytes]:
    """An officer reads the proof of residence: logged like every document read."""
    return private_file_open(
        file=filing.proof,
        user=user,
        role="officer",
        ip_address=ip_address,
        user_agent=user_agent,
        remote_filing=filing,
    )


def remote_filings_overdue(*, on: dt.date) -> int:
    """SLA: long-term filings still pending after their working days are flagged (once)."""
    flagged = 0
    for filing in RemoteFiling.objects.filter(
        status=RemoteFilingStatus.PENDING, decide_by__lt=on, overdue_since__isnull=True
    ):
        with transaction.atomic():
            if RemoteFiling.objects.filter(pk=filing.pk, overdue_since__isnull=True).update(overdue_since=on):
                flagged += 1
                notify_officers(
                    kind=NotificationKind.REMOTE_FILING_OVERDUE,
                    params={"place": filing.place, "decide_by": filing.decide_by},
                    dedupe_key=f"remote-filing-overdue:{filing.pk}",
                )
    return flagged
