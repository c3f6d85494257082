"""The completeness check through a real Celery worker on Redis, and what happens when the broker or
the worker fails between submit and check: nothing accepted is lost, and stuck work is picked up again.

Each test publishes onto a Redis queue of its own and starts worker subprocesses on the test database
(see `start_worker` in conftest.py), so the rows a test creates must be committed: transaction=True.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import time
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from applications.models import Application, ApplicationEvent, ApplicationStatus, Document, DocumentKind
from applications.services import application_submit
from config.jobs import job_run
from notifications.models import DeliveryStatus, Notification
from reviews.calendar import calendar_seed
from tests.factories import (
    ApplicationFactory,
    DiseaseFactory,
    DocumentFactory,
    HospitalFactory,
    InsuredPersonFactory,
    UserFactory,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TIMEOUT = 30
BASE_KINDS = [
    DocumentKind.ID_CARD_FRONT,
    DocumentKind.ID_CARD_BACK,
    DocumentKind.INSURANCE_CARD,
    DocumentKind.APPLICATION_FORM,
]
MEDICAL_KINDS = [DocumentKind.DIAGNOSIS_CERTIFICATE, DocumentKind.MEDICAL_RECORD, DocumentKind.EXAM_REPORT]


@pytest.fixture(autouse=True)
def calendar_2026(transactional_db):
    calendar_seed(years=[2026])


def draft(*, complete: bool) -> Application:
    """A draft of an insured applicant; `complete` with every document the disease asks for."""
    applicant = UserFactory()
    InsuredPersonFactory(id_number=applicant.id_number)
    hospital = HospitalFactory()
    application = ApplicationFactory(applicant=applicant, disease=DiseaseFactory(), diagnosing_hospital=hospital)
    for kind in BASE_KINDS if complete else BASE_KINDS[:2]:
        DocumentFactory(application=application, kind=kind)
    for kind in MEDICAL_KINDS if complete else []:
        DocumentFactory(application=application, medical=True, kind=kind, hospital=hospital)
    return application


def wait_for(condition: Callable[[], object], *, what: str, workers=(), timeout: float = TIMEOUT) -> object:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {worker.name}\n{worker.log()[-6000:]}" for worker in workers)
            pytest.fail(f"not within {timeout}s: {what}\n{logs}")
        time.sleep(0.1)
    return result


def status_of(application: Application) -> str:
    return Application.objects.values_list("status", flat=True).get(pk=application.pk)


def checks_of(application: Application) -> list[str]:
    """The outcome of every completeness check run on the application, oldest first."""
    return list(
        ApplicationEvent.objects.filter(application=application, from_status=ApplicationStatus.SUBMITTED)
        .order_by("at", "id")
        .values_list("to_status", flat=True)
    )


def leaves_submitted(*applications: Application) -> Callable[[], bool]:
    return lambda: all(status_of(application) != ApplicationStatus.SUBMITTED for application in applications)


def documents_of(application: Application) -> dict[str, bytes]:
    """Every document of the application with its stored bytes (read back from storage)."""
    stored = {}
    for document in Document.objects.filter(application=application):
        with document.file.open("rb") as handle:
            stored[str(document.pk)] = handle.read()
    return stored


def backdate(application: Application) -> None:
    """Make the application's check look queued longer ago than the sweeper waits."""
    long_ago = timezone.now() - dt.timedelta(minutes=settings.STUCK_AFTER_MINUTES + 1)
    Application.objects.filter(pk=application.pk).update(updated_at=long_ago, check_queued_at=long_ago)


def sweep() -> str:
    return job_run(name="retry_stuck", on=timezone.localdate())


def waiting_for_locks() -> set[int]:
    """Other connections to the test database that wait for a lock (behind ours, or queued behind a
    connection that waits for ours)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # pg_stat_activity is otherwise frozen per transaction
        cursor.execute(
            "SELECT DISTINCT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE NOT l.granted AND a.datname = current_database() AND l.pid <> pg_backend_pid()"
        )
        return {pid for (pid,) in cursor.fetchall()}


def test_real_worker_checks_a_submission(start_worker, celery_broker):
    complete, incomplete = draft(complete=True), draft(complete=False)
    worker = start_worker()

    for application in (complete, incomplete):
        application_submit(application=application, user=application.applicant)  # commits: queued to Redis

    wait_for(leaves_submitted(complete, incomplete), what="the worker checks both submissions", workers=[worker])
    complete.refresh_from_db()
    incomplete.refresh_from_db()
    assert complete.status == ApplicationStatus.UNDER_REVIEW
    assert complete.review_deadline is not None
    assert incomplete.status == ApplicationStatus.NEEDS_SUPPLEMENT
    assert {problem["field"] for problem in incomplete.problems} >= {
        f"documents.{DocumentKind.INSURANCE_CARD}",
        f"documents.{DocumentKind.DIAGNOSIS_CERTIFICATE}",
    }
    assert checks_of(complete) == [ApplicationStatus.UNDER_REVIEW]
    assert checks_of(incomplete) == [ApplicationStatus.NEEDS_SUPPLEMENT]
    # The worker queued the notices itself, through Redis, and delivered them.
    delivered = Notification.objects.filter(
        application__in=[complete, incomplete], sms_status=DeliveryStatus.SENT, email_status=DeliveryStatus.SKIPPED
    )
    wait_for(lambda: delivered.count() == 2, what="both notices delivered", workers=[worker])
    assert sorted(delivered.values_list("kind", flat=True)) == ["accepted", "needs_supplement"]
    assert celery_broker.waiting() == 0


@pytest.mark.parametrize("outage", ["message_lost_in_broker", "broker_down_at_submit"])
def test_sweeper_recovers_submission_lost_between_submit_and_check(outage, start_worker, celery_broker, caplog):
    application = draft(complete=True)
    documents = documents_of(application)

    if outage == "message_lost_in_broker":
        application_submit(application=application, user=application.applicant)
        assert celery_broker.waiting() == 1
        assert celery_broker.purge() == 1  # Redis restarted without persistence before any worker took it
    else:
        client = APIClient()
        client.force_authenticate(application.applicant)
        with celery_broker.down():
            response = client.post(f"/api/v1/applications/{application.pk}/submit/")
        # What the applicant did is committed and acknowledged even though nothing could be queued.
        assert response.status_code == 202, response.content
        assert response.json()["status"] == ApplicationStatus.SUBMITTED
        assert "could not queue applications.tasks.application_check_task" in caplog.text
    assert celery_broker.waiting() == 0
    assert status_of(application) == ApplicationStatus.SUBMITTED

    assert sweep().startswith("re-queued 0 checks")  # not stuck yet: just submitted
    backdate(application)
    assert sweep().startswith("re-queued 1 checks")
    assert sweep().startswith("re-queued 0 checks")  # just queued again: a backlog is not queued twice
    backdate(application)
    assert sweep().startswith("re-queued 1 checks")  # still not checked a while later: queued again
    assert celery_broker.waiting() == 2

    worker = start_worker()
    wait_for(leaves_submitted(application), what="the worker checks the re-queued submission", workers=[worker])
    wait_for(lambda: celery_broker.waiting() == 0, what="the worker takes both messages", workers=[worker])
    wait_for(
        lambda: worker.log().count("application_check_task[") >= 4,  # received + succeeded, twice
        what="the worker runs both re-queued checks",
        workers=[worker],
    )

    assert status_of(application) == ApplicationStatus.UNDER_REVIEW
    assert checks_of(application) == [ApplicationStatus.UNDER_REVIEW]  # queued twice, checked once
    assert Notification.objects.filter(application=application, kind="accepted").count() == 1
    assert documents_of(application) == documents  # nothing lost
    assert sweep().startswith("re-queued 0 checks")


def test_worker_killed_mid_task_message_redelivered(start_worker, celery_broker):
    """acks_late + reject_on_worker_lost: a pool process killed while it runs the check (OOM killer,
    segfault) gives the message back to the broker; the next pool process checks the application."""
    application = draft(complete=True)
    application_submit(application=application, user=application.applicant)

    with transaction.atomic():
        # Hold the row: the check blocks on it, so the worker is inside the task when it is killed.
        Application.objects.select_for_update().get(pk=application.pk)
        worker = start_worker(pool="prefork")
        first = wait_for(waiting_for_locks, what="the worker runs the check", workers=[worker])
        [child] = worker.pool_processes()
        os.kill(child, signal.SIGKILL)
        wait_for(lambda: waiting_for_locks() - first, what="a new pool process runs the check again", workers=[worker])
        assert worker.process.poll() is None
        assert status_of(application) == ApplicationStatus.SUBMITTED

    wait_for(leaves_submitted(application), what="the redelivered check completes", workers=[worker])
    assert checks_of(application) == [ApplicationStatus.UNDER_REVIEW]
    assert "WorkerLostError" in worker.log()
    assert celery_broker.waiting() == 0


def test_worker_crash_mid_task_sweeper_recovers(start_worker, celery_broker):
    """A whole worker killed mid-task: Redis keeps the unacknowledged message hidden for the visibility
    timeout (an hour); the sweeper re-queues the stuck submission long before that."""
    application = draft(complete=True)
    documents = documents_of(application)
    application_submit(application=application, user=application.applicant)

    with transaction.atomic():
        Application.objects.select_for_update().get(pk=application.pk)
        crashed = start_worker()
        wait_for(waiting_for_locks, what="the worker runs the check", workers=[crashed])
        crashed.crash()
    assert status_of(application) == ApplicationStatus.SUBMITTED
    assert celery_broker.waiting() == 0  # the message is not lost, but invisible until the timeout

    worker = start_worker()
    backdate(application)
    assert sweep().startswith("re-queued 1 checks")
    wait_for(leaves_submitted(application), what="the worker checks the re-queued submission", workers=[worker])
    assert checks_of(application) == [ApplicationStatus.UNDER_REVIEW]
    assert documents_of(application) == documents
