"""A list longer than EXPORT_SYNC_ROWS is exported in the background: the officer lands on the job's page,
the file holds the rows the filtered list shows, only the person who asked can download it, a job whose
asker lost the right to the list fails with a reason, and the file is deleted after EXPORT_KEEP_HOURS."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import ExportJob, ExportStatus
from config.export_jobs import export_job_run, exports_expire
from tests.factories import ApplicationFactory
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db
APPLICATIONS = "/admin/applications/application/"
REFERENCE = re.compile(r"MT\d{16}")


@pytest.fixture
def small_sync(settings):
    settings.EXPORT_SYNC_ROWS = 2


def logged_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_a_long_list_is_exported_in_the_background_with_the_rows_the_list_shows(
    small_sync, django_capture_on_commit_callbacks
):
    for _ in range(3):
        ApplicationFactory(under_review=True)
    ApplicationFactory(rejected=True)
    client = logged_in(officer(username="chen"))
    query = "?status__exact=under_review&o=1"
    shown = list(dict.fromkeys(REFERENCE.findall(client.get(APPLICATIONS + query).content.decode())))

    with django_capture_on_commit_callbacks(execute=True):
        started = client.get(APPLICATIONS + "export/" + query)
    job = ExportJob.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/admin/accounts/exportjob/{job.pk}/change/"
    assert (job.status, job.rows_total, job.rows_done, job.title) == (ExportStatus.DONE, 3, 3, "申请")

    page = client.get(started["Location"]).content.decode()
    assert "3 / 3 行（100%）" in page and 'http-equiv="refresh"' not in page
    download = client.get(f"/admin/accounts/exportjob/{job.pk}/download/")
    assert download.status_code == 200 and "private, no-store" in download["Cache-Control"]
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert header[0] == "受理编号" and [row[0] for row in rows] == shown


def test_a_queued_job_page_refreshes_itself_and_only_its_owner_sees_it(small_sync):
    for _ in range(3):
        ApplicationFactory(submitted=True)
    owner, other = officer(username="chen"), officer(username="wang")
    client = logged_in(owner)
    client.get(APPLICATIONS + "export/")  # the task is not run: the job stays queued
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.QUEUED
    assert 'http-equiv="refresh"' in client.get(f"/admin/accounts/exportjob/{job.pk}/change/").content.decode()

    stranger = logged_in(other)
    assert str(job.pk) not in stranger.get("/admin/accounts/exportjob/").content.decode()
    assert stranger.get(f"/admin/accounts/exportjob/{job.pk}/change/", follow=True).redirect_chain
    export_job_run(job_id=str(job.pk))
    refused = stranger.get(f"/admin/accounts/exportjob/{job.pk}/download/", follow=True)
    assert "只能下载本人申请的导出文件" in refused.content.decode()


def test_a_job_whose_asker_lost_the_list_fails_with_a_reason(small_sync):
    for _ in range(3):
        ApplicationFactory(submitted=True)
    clerk = officer(username="chen")
    logged_in(clerk).get(APPLICATIONS + "export/")
    clerk.groups.set(Group.objects.none())
    job = export_job_run(job_id=str(ExportJob.objects.get().pk))
    assert (job.status, job.error, job.file) == (ExportStatus.FAILED, "导出人已无权查看该列表", "")


def test_the_file_is_deleted_after_the_keeping_time(small_sync, settings):
    settings.EXPORT_KEEP_HOURS = 24
    for _ in range(3):
        ApplicationFactory(submitted=True)
    logged_in(officer(username="chen")).get(APPLICATIONS + "export/")
    job = export_job_run(job_id=str(ExportJob.objects.get().pk))
    assert default_storage.exists(job.file)
    today = timezone.localdate()
    assert exports_expire(on=today) == "deleted 0 export file(s)"
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        assert exports_expire(on=today + dt.timedelta(days=1)) == "deleted 1 export file(s)"
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and not default_storage.exists(f"exports/{job.pk}.xlsx")


def test_a_jobs_title_gives_its_time_in_local_time_as_its_page_does(small_sync):
    for _ in range(3):
        ApplicationFactory(submitted=True)
    client = logged_in(officer(username="chen"))
    with time_machine.travel(dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC), tick=False):  # 07:30 in Beijing
        client.get(APPLICATIONS + "export/")
    job = ExportJob.objects.get()
    assert str(job) == "申请（2026-12-08 07:30）"
    page = client.get(f"/admin/accounts/exportjob/{job.pk}/change/").content.decode()
    assert "申请（2026-12-08 07:30）" in page and "23:30" not in page


def test_an_sms_codes_name_gives_its_time_in_local_time_too():
    from accounts.models import CodePurpose, SmsCode

    sent = SmsCode(purpose=CodePurpose.RESET, created_at=dt.datetime(2026, 12, 7, 23, 30, tzinfo=dt.UTC))
    assert str(sent) == "找回密码 2026-12-08 07:30"
