import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError

from applications.models import Application, ApplicationEvent, ApplicationStatus
from applications.services import application_check, application_check_retry
from config.jobs import JOBS, beat_schedule_ensure
from config.queueing import send_task_safely
from notifications.models import Notification
from tests.factories import ApplicationFactory
from tests.reviews.review_helpers import officer

pytestmark = pytest.mark.django_db


def stuck(minutes=10, attempts=1, **kwargs):
    """A submission whose check was last queued `minutes` ago, `attempts` times, and never ran."""
    application = ApplicationFactory(submitted=True, **kwargs)
    Application.objects.filter(pk=application.pk).update(
        check_queued_at=timezone.now() - dt.timedelta(minutes=minutes), check_attempts=attempts
    )
    return application


def test_retry_stuck_rechecks_unchecked_submissions():
    application = stuck()
    out = StringIO()
    call_command("run_jobs", "retry_stuck", stdout=out)
    assert "re-queued 1 checks" in out.getvalue()
    application.refresh_from_db()
    assert application.status != ApplicationStatus.SUBMITTED  # the (eager) check ran


def test_retry_stuck_leaves_fresh_submissions_alone():
    application = stuck(minutes=1)
    call_command("run_jobs", "retry_stuck", stdout=StringIO())
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_running_the_sweeper_twice_queues_the_check_once():
    application = stuck()
    # The broker takes the message but no worker runs it (a backlog): the second run must not add another.
    with mock.patch("applications.tasks.application_check_task.apply_async") as publish:
        call_command("run_jobs", "retry_stuck", stdout=StringIO())
        call_command("run_jobs", "retry_stuck", stdout=StringIO())
    assert publish.call_count == 1
    application.refresh_from_db()
    assert (application.status, application.check_attempts) == (ApplicationStatus.SUBMITTED, 2)


def test_a_check_queued_twice_checks_once():
    application = stuck()
    application_check(application_id=application.pk)
    application_check(application_id=application.pk)
    assert ApplicationEvent.objects.filter(application=application, from_status="submitted").count() == 1


def test_a_broker_outage_does_not_use_up_the_attempts():
    application = stuck(attempts=settings.CHECK_MAX_ATTEMPTS - 1)
    with mock.patch(
        "applications.tasks.application_check_task.apply_async", side_effect=OperationalError("broker down")
    ):
        call_command("run_jobs", "retry_stuck", stdout=StringIO())
    application.refresh_from_db()
    assert application.check_attempts == settings.CHECK_MAX_ATTEMPTS - 1


def test_the_sweeper_gives_up_on_a_failing_check_and_tells_the_officers_once():
    boss = officer()
    application = stuck(attempts=settings.CHECK_MAX_ATTEMPTS)
    with mock.patch("applications.tasks.application_check_task.apply_async") as publish:
        call_command("run_jobs", "retry_stuck", stdout=StringIO())
        call_command("run_jobs", "retry_stuck", stdout=StringIO())
    assert publish.call_count == 0
    notices = Notification.objects.filter(user=boss, kind="check_stuck")
    assert notices.count() == 1
    assert application.reference in notices.get().title


def test_an_officer_sends_a_given_up_check_back_to_the_queue():
    application = stuck(attempts=settings.CHECK_MAX_ATTEMPTS)
    with (
        mock.patch("applications.tasks.application_check_task.apply_async") as publish,
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        application_check_retry(application=application, officer=officer())
    assert publish.call_count == 1
    application.refresh_from_db()
    assert application.check_attempts == 1


def test_run_jobs_refuses_unknown_job_and_bad_date():
    with pytest.raises(CommandError, match="unknown job"):
        call_command("run_jobs", "nope")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("run_jobs", "--on", "25/11/2026")


def test_run_jobs_runs_every_job_by_default():
    out = StringIO()
    call_command("run_jobs", "--on", "2026-11-20", stdout=out)
    assert [line.split(" ")[0] for line in out.getvalue().splitlines()] == list(JOBS)


def test_beat_schedule_created_once_and_operator_changes_kept():
    assert beat_schedule_ensure() == list(JOBS)
    task = PeriodicTask.objects.get(name="job: retry_stuck")
    task.enabled = False
    task.save()
    assert beat_schedule_ensure() == []
    assert PeriodicTask.objects.get(name="job: retry_stuck").enabled is False


def test_broker_outage_on_publish_is_logged_not_raised(caplog):
    from kombu.exceptions import OperationalError

    from applications.tasks import application_check_task

    with mock.patch.object(application_check_task, "apply_async", side_effect=OperationalError("down")):
        assert send_task_safely(application_check_task, "x") is False
    assert "retry_stuck job will pick it up" in caplog.text


def test_submit_succeeds_when_broker_is_down(django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    from applications.tasks import application_check_task
    from tests.api import bearer_client

    application = ApplicationFactory()
    client = bearer_client(application.applicant)
    with mock.patch.object(application_check_task, "apply_async", side_effect=OperationalError("down")):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/api/v1/applications/{application.pk}/submit/")
    assert response.status_code == 202
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED  # kept, for the sweeper


def test_seed_demo_never_undoes_an_operators_import_of_a_demo_person():
    from applications.models import InsuredPerson

    call_command("seed_demo", stdout=StringIO())
    person = InsuredPerson.objects.get(id_number="620902196003150114")
    InsuredPerson.objects.filter(pk=person.pk).update(status="suspended")
    call_command("seed_demo", stdout=StringIO())
    assert InsuredPerson.objects.get(pk=person.pk).status == "suspended"


def test_an_operator_moves_a_daily_job_and_switches_a_frequent_one_off_in_the_admin(client):
    from tests.factories import UserFactory

    beat_schedule_ensure()
    daily = PeriodicTask.objects.get(name="job: sla_sweep").crontab
    PeriodicTask.objects.create(name="celery.backend_cleanup", task="celery.backend_cleanup", crontab=daily)
    client.force_login(UserFactory(is_staff=True, is_superuser=True, id_number=""))
    listed = client.get("/admin/django_celery_beat/periodictask/").content.decode()
    assert "评审超期督办" in listed and "每天 08:00" in listed and "每 2 分钟" in listed
    assert "backend_cleanup" not in listed
    sweep = PeriodicTask.objects.get(name="job: sla_sweep")
    moved = client.post(
        f"/admin/django_celery_beat/periodictask/{sweep.pk}/change/", {"enabled": "on", "daily_at": "09:15"}
    )
    assert moved.status_code == 302
    sweep.refresh_from_db()
    assert (sweep.crontab.hour, sweep.crontab.minute, sweep.enabled) == ("09", "15", True)
    retry = PeriodicTask.objects.get(name="job: retry_stuck")
    client.post(f"/admin/django_celery_beat/periodictask/{retry.pk}/change/", {"every_minutes": "5"})
    retry.refresh_from_db()
    assert (retry.interval.every, retry.enabled) == (5, False)
    assert "每 5 分钟（已停用）" in client.get("/admin/django_celery_beat/periodictask/").content.decode()
    assert client.get("/admin/django_celery_beat/periodictask/add/").status_code == 403
    assert client.get("/admin/django_celery_beat/crontabschedule/").status_code == 404
