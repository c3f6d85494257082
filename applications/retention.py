"""The daily `retention` job: personal data kept no longer than its period (PIPL art. 19), by the policy
table `RetentionPolicy` (admin › 数据保存期限):

- a draft nobody touched (the application or an upload) for `draft` days is deleted with its stored
  files, after the applicant was told `reminder_days` before (a touch in between starts the clock again);
- the scans of an application withdrawn or rejected more than `closed_case_scans` days ago are deleted
  from storage (the document rows stay, marked `purged_at`, so the case and its access record remain);
- a certification ended (lapsed or revoked) more than `ended_certification` days ago: the scans of its
  applications are deleted, and its holder's account is anonymised unless they have another benefit,
  an open application or a certification that ended within the period.

A case with an open objection or an appeal under way is never touched (an appeal moves the case out of
`rejected`). Work goes in batches, each item in its own transaction after its files are gone, so a
failure leaves it for the next run; what was done is recorded, so a second run does nothing more. The
report and the log carry counts, never content."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.models import User
from accounts.services import user_anonymise
from accounts.sessions import sign_in_records_sweep
from applications.models import (
    OPEN_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Document,
    RetentionPolicy,
    RetentionRecord,
)
from certification.models import LIVE_CERTIFICATION_STATUSES, Certification, CertificationEvent, CertificationStatus
from notifications.models import NotificationKind
from notifications.services import notification_send
from reviews.models import Objection, ObjectionStatus

logger = logging.getLogger(__name__)
BATCH = 200
DEFAULTS = {
    RetentionRecord.DRAFT: (90, 14),
    RetentionRecord.CLOSED_CASE_SCANS: (3 * 365, 0),
    RetentionRecord.ENDED_CERTIFICATION: (5 * 365, 0),
}
ENDED_STATUSES = [CertificationStatus.LAPSED, CertificationStatus.REVOKED]


@dataclass
class RetentionReport:
    drafts_reminded: int = 0
    drafts_deleted: int = 0
    files_deleted: int = 0
    accounts_anonymised: int = 0
    sign_in_records_deleted: int = 0
    skipped: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"{self.drafts_reminded} drafts reminded, {self.drafts_deleted} drafts deleted, "
            f"{self.files_deleted} files deleted, {self.accounts_anonymised} accounts anonymised, "
            f"{self.sign_in_records_deleted} spent codes and expired tokens deleted"
        )
        return text + (f", {len(self.skipped)} left for the next run" if self.skipped else "")


def retention_policy(record: RetentionRecord) -> tuple[int, int]:
    """(days, reminder_days) of a kind of record: the table's row, or the shipped default."""
    row = RetentionPolicy.objects.filter(record=record).first()
    return (row.days, row.reminder_days) if row else DEFAULTS[record]


def retention_sweep(*, on: dt.date) -> str:
    """Apply every retention period as of day `on`. Idempotent."""
    start_of_day = timezone.make_aware(dt.datetime.combine(on, dt.time.min))
    report = RetentionReport()
    _drafts(start_of_day, report)
    _closed_cases(start_of_day, report)
    _ended_certifications(start_of_day, report)
    report.sign_in_records_deleted = sign_in_records_sweep(before=start_of_day - dt.timedelta(days=1))
    logger.info("retention on %s: %s", on, report)
    return str(report)


# --- drafts ----------------------------------------------------------------------------------------


def _drafts(start_of_day: dt.datetime, report: RetentionReport) -> None:
    days, reminder_days = retention_policy(RetentionRecord.DRAFT)
    drafts = Application.objects.filter(status=ApplicationStatus.DRAFT).annotate(
        last_touch=Greatest("updated_at", Coalesce(Max("documents__uploaded_at"), "updated_at"))
    )
    remind_before = start_of_day - dt.timedelta(days=days - reminder_days)
    to_remind = drafts.filter(last_touch__lt=remind_before).filter(
        Q(retention_notice_at__isnull=True) | Q(retention_notice_at__lt=F("last_touch"))
    )
    for application in to_remind.select_related("applicant")[: BATCH * 50].iterator(chunk_size=BATCH):
        # The first day the deletion below takes it: the period over, and told `reminder_days` before.
        last_touched_on = timezone.localdate(application.last_touch)
        delete_on = max(
            last_touched_on + dt.timedelta(days=days + 1), start_of_day.date() + dt.timedelta(days=reminder_days)
        )
        with transaction.atomic():
            notification_send(
                user=application.applicant,
                application=application,
                kind=NotificationKind.DRAFT_EXPIRING,
                params={"reference": application.reference, "delete_on": delete_on},
                dedupe_key=f"draft_expiring:{application.pk}:{application.last_touch:%Y%m%d%H%M%S}",
            )
            # Not save(): that would move updated_at, the draft's own clock.
            Application.objects.filter(pk=application.pk).update(retention_notice_at=timezone.now())
        report.drafts_reminded += 1

    delete_before = start_of_day - dt.timedelta(days=days)
    told_before = start_of_day - dt.timedelta(days=reminder_days - 1)  # told on day D - reminder_days or before
    expired = drafts.filter(
        last_touch__lt=delete_before, retention_notice_at__gte=F("last_touch"), retention_notice_at__lt=told_before
    )
    for pk in list(expired.values_list("pk", flat=True)[: BATCH * 50]):
        try:
            files = _delete_files(Document.objects.filter(application_id=pk))
            with transaction.atomic():
                Application.objects.filter(pk=pk, status=ApplicationStatus.DRAFT).delete()
        except Exception:  # storage or database: this one waits for the next run, the others go on
            logger.exception("retention: draft %s not deleted, left for the next run", pk)
            report.skipped.append(str(pk))
            continue
        report.files_deleted += files
        report.drafts_deleted += 1


# --- closed cases ----------------------------------------------------------------------------------


def _closed_on() -> Subquery:
    """When the application reached its current state (its last event into it)."""
    return Subquery(
        ApplicationEvent.objects.filter(application=OuterRef("pk"), to_status=OuterRef("status"))
        .order_by("-at")
        .values("at")[:1]
    )


def _open_objection() -> Exists:
    return Exists(Objection.objects.filter(entry__application=OuterRef("pk"), status=ObjectionStatus.OPEN))


def _closed_cases(start_of_day: dt.datetime, report: RetentionReport) -> None:
    days, _ = retention_policy(RetentionRecord.CLOSED_CASE_SCANS)
    closed = (
        Application.objects.filter(status__in=[ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED])
        .filter(Exists(Document.objects.filter(application=OuterRef("pk"), purged_at__isnull=True)))
        .annotate(closed_at=_closed_on())
        .filter(closed_at__lt=start_of_day - dt.timedelta(days=days))
        .exclude(_open_objection())
    )
    for pk in list(closed.values_list("pk", flat=True)[: BATCH * 50]):
        _purge_scans(Application.objects.filter(pk=pk), report)


def _purge_scans(applications: QuerySet[Application], report: RetentionReport) -> None:
    documents = Document.objects.filter(application__in=applications, purged_at__isnull=True)
    try:
        report.files_deleted += _delete_files(documents, keep_rows=True)
    except Exception:
        logger.exception("retention: scans not deleted, left for the next run")
        report.skipped.append("scans")


def _delete_files(documents: QuerySet[Document], *, keep_rows: bool = False) -> int:
    """Delete the stored files (a file already gone is no error); with `keep_rows`, mark the rows."""
    count = 0
    for document in documents.only("pk", "file"):
        if document.file.name:
            document.file.storage.delete(document.file.name)
            count += 1
        if keep_rows:
            Document.objects.filter(pk=document.pk).update(file="", purged_at=timezone.now())
    return count


# --- ended certifications --------------------------------------------------------------------------


def _ended_certifications(start_of_day: dt.datetime, report: RetentionReport) -> None:
    days, _ = retention_policy(RetentionRecord.ENDED_CERTIFICATION)
    cutoff = start_of_day - dt.timedelta(days=days)
    ended_at = Subquery(
        CertificationEvent.objects.filter(certification=OuterRef("pk"), to_status=OuterRef("status"))
        .order_by("-at")
        .values("at")[:1]
    )
    due = (
        Certification.objects.filter(status__in=ENDED_STATUSES, retention_done_at__isnull=True)
        .annotate(ended_at=ended_at)
        .filter(ended_at__lt=cutoff)
        .select_related("holder")
    )
    for certification in list(due[: BATCH * 50]):
        holder = certification.holder
        _purge_scans(
            Application.objects.filter(
                Q(pk=certification.application_id) | Q(reviewed_certification=certification)
            ).exclude(status__in=OPEN_STATUSES),
            report,
        )
        with transaction.atomic():
            if holder.is_active and not _still_needed(holder, cutoff=cutoff, ended_at=ended_at):
                user_anonymise(user=holder)
                report.accounts_anonymised += 1
            Certification.objects.filter(pk=certification.pk).update(retention_done_at=timezone.now())


def _still_needed(holder: User, *, cutoff: dt.datetime, ended_at: Subquery) -> bool:
    """The holder has a live benefit, an open application, or a certification ended within the period."""
    certifications = Certification.objects.filter(holder=holder)
    if certifications.filter(status__in=LIVE_CERTIFICATION_STATUSES).exists():
        return True
    if certifications.annotate(ended_at=ended_at).filter(ended_at__gte=cutoff).exists():
        return True
    return Application.objects.filter(applicant=holder, status__in=OPEN_STATUSES).exists()
