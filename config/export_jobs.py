"""Exports too long to make while the officer waits: the list as filtered on screen is written in the
background (a Celery task) to private storage, with its progress on the job's page, for the person who
asked only; `exports_expire` deletes the files after EXPORT_KEEP_HOURS. The rows are the ones the
officer's own list shows, read again at run time with the officer's permissions."""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin
from django.contrib.messages.storage.base import BaseStorage
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from config.domain import Forbidden, InvalidState
from config.queueing import enqueue_on_commit

if TYPE_CHECKING:
    from accounts.models import ExportJob, User

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 2000  # rows between two progress updates of a running job


def export_job_start(*, request: HttpRequest, model: type[Any], title: str, rows_total: int) -> ExportJob:
    """Queue the export of the list `request` shows (its filters, search and order) for request.user."""
    from accounts.models import ExportJob
    from accounts.tasks import export_job_task

    with transaction.atomic():
        job = ExportJob.objects.create(
            user=request.user,  # type: ignore[misc]  # an admin view: a staff member, never anonymous
            model=model._meta.label_lower,
            query=request.GET.urlencode()[:2000],
            title=title,
            rows_total=rows_total,
        )
        enqueue_on_commit(export_job_task, str(job.pk))
    return job


def export_job_run(*, job_id: str) -> ExportJob:
    """Write the job's file: the list re-read with the asker's permissions, progress saved as it goes."""
    from accounts.models import ExportJob, ExportStatus

    job = ExportJob.objects.select_related("user").get(pk=job_id)
    if job.status not in (ExportStatus.QUEUED, ExportStatus.RUNNING):
        return job  # a repeated delivery of the task: done once
    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.RUNNING, rows_done=0)
    try:
        model_admin, request = _list_request(job)
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        queryset = model_admin.export_queryset(request)
        header, rows = model_admin.export_table(queryset)
        name = _write(job, header=header, rows=_counted(job, rows))
    except PermissionDenied:
        return _fail(job, "导出人已无权查看该列表")
    except Exception:
        logger.exception("export job %s failed", job.pk)
        _fail(job, "导出失败，请稍后重试或缩小筛选范围")
        raise
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE, file=name, rows_done=job.rows_done, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def export_job_file(*, job: ExportJob, user: User) -> File:
    """The finished file, for the person who asked for it only."""
    from accounts.models import ExportStatus

    if job.user_id != user.pk:
        raise Forbidden("只能下载本人申请的导出文件。", code="not_yours")
    if job.status != ExportStatus.DONE or not job.file:
        raise InvalidState(f"该导出任务{job.get_status_display()}，没有可下载的文件。", code="not_ready")
    logger.info("export %s downloaded by user %s", job.pk, user.pk)
    return default_storage.open(job.file, "rb")


def exports_expire(*, on: dt.date) -> str:
    """Delete the files of exports finished more than EXPORT_KEEP_HOURS ago (a periodic job)."""
    from accounts.models import ExportJob, ExportStatus

    end_of_day = timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min))
    cutoff = min(timezone.now(), end_of_day) - dt.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    expired = 0
    for job in ExportJob.objects.filter(status=ExportStatus.DONE, finished_at__lt=cutoff).only("pk", "file"):
        if job.file:
            default_storage.delete(job.file)
        ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.EXPIRED, file="")
        expired += 1
    return f"deleted {expired} export file(s)"


def _list_request(job: ExportJob) -> tuple[Any, HttpRequest]:
    from django.apps import apps

    model = apps.get_model(job.model)
    model_admin = admin.site._registry[model]
    opts = model._meta
    request = RequestFactory().get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    request.GET = QueryDict(job.query)
    request.user = job.user
    request._messages = BaseStorage(request)  # type: ignore[attr-defined]  # the list's notices go nowhere
    return model_admin, request


def _counted(job: ExportJob, rows: Iterable[Sequence[object]]) -> Iterator[Sequence[object]]:
    from accounts.models import ExportJob

    for job.rows_done, row in enumerate(rows, start=1):
        if job.rows_done % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job.pk).update(rows_done=job.rows_done)
        yield row


def _write(job: ExportJob, *, header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    from config.export import xlsx_write

    with tempfile.TemporaryFile() as target:
        xlsx_write(target, title=job.title, header=header, rows=rows)
        target.seek(0)
        return default_storage.save(f"exports/{job.pk}.xlsx", File(target))


def _fail(job: ExportJob, reason: str) -> ExportJob:
    from accounts.models import ExportJob, ExportStatus

    ExportJob.objects.filter(pk=job.pk).update(status=ExportStatus.FAILED, error=reason, finished_at=timezone.now())
    job.refresh_from_db()
    return job
