"""Idempotency that holds through a crash: the `Idempotency-Key` is written in the operation's own
transaction, so a crash leaves neither or both, a retry gets the first answer, and concurrent requests
with one key run the operation once. A burst of submits without a key checks and notifies once."""

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError
from django.test import TestCase
from django.utils import timezone

from applications.models import ApplicationEvent, ApplicationStatus, IdempotencyKey
from notifications.models import Notification
from tests.api import bearer_client
from tests.concurrency import at_once, postgres_only
from tests.reviews.review_helpers import add_document, complete_application

ON = dt.date(2026, 12, 2)


def draft_that_fails_its_check():  # type: ignore[no-untyped-def]
    """A draft whose check will send it back (one base document short)."""
    application = complete_application(on=ON)
    application.documents.filter(kind="id_card_back").delete()
    type(application).objects.filter(pk=application.pk).update(status=ApplicationStatus.DRAFT, submitted_at=None)
    application.refresh_from_db()
    return application


def submit(client, application, key: str | None = None):  # type: ignore[no-untyped-def]
    """The request, and the (eager) check it queues once its transaction commits."""
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"/api/v1/applications/{application.pk}/submit/", **headers)


def checks(application) -> int:
    return ApplicationEvent.objects.filter(application=application, from_status=ApplicationStatus.SUBMITTED).count()


@pytest.mark.django_db
def test_a_crash_before_the_key_is_stored_leaves_nothing_and_the_retry_gets_the_first_answer():
    application = draft_that_fails_its_check()
    client = bearer_client(application.applicant)
    client.raise_request_exception = False
    real_save = IdempotencyKey.save
    with mock.patch.object(IdempotencyKey, "save", autospec=True, side_effect=OperationalError("server closed")):
        lost = submit(client, application, key="k-1")
    assert lost.status_code == 503
    application.refresh_from_db()
    assert (application.status, checks(application)) == (ApplicationStatus.DRAFT, 0)  # rolled back with the key

    with mock.patch.object(IdempotencyKey, "save", autospec=True, side_effect=real_save):
        first = submit(client, application, key="k-1")
    retry = submit(client, application, key="k-1")
    assert first.status_code == retry.status_code == 202
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert checks(application) == 1


@pytest.mark.django_db
def test_a_repeated_submit_right_after_the_check_sent_it_back_checks_nothing_again():
    application = draft_that_fails_its_check()
    client = bearer_client(application.applicant)
    with time_machine.travel(timezone.now(), tick=False):
        assert submit(client, application).status_code == 202  # checked at once (eager): sent back
        again = submit(client, application)
    assert again.status_code == 202 and again.json()["status"] == ApplicationStatus.NEEDS_SUPPLEMENT
    assert checks(application) == 1
    assert Notification.objects.filter(user=application.applicant, kind="needs_supplement").count() == 1


@pytest.mark.django_db
def test_a_resubmit_after_a_new_document_or_a_while_later_is_checked_again():
    application = draft_that_fails_its_check()
    client = bearer_client(application.applicant)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        submit(client, application)
    with time_machine.travel(start + dt.timedelta(seconds=3), tick=False):
        add_document(application, "id_card_back")
        assert submit(client, application).status_code == 202
    application.refresh_from_db()
    assert application.status == ApplicationStatus.UNDER_REVIEW
    assert checks(application) == 2


# --- at the same time (PostgreSQL: row locks) ------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_requests_with_one_key_run_the_submit_once_and_all_get_its_answer():
    application = draft_that_fails_its_check()
    answers = at_once(*[lambda: submit(bearer_client(application.applicant), application, key="same")] * 5)
    assert [a.status_code for a in answers] == [202] * 5
    assert all(a.json() == answers[0].json() for a in answers)
    assert sorted(a["Idempotent-Replayed"] for a in answers) == ["false"] + ["true"] * 4
    assert checks(application) == 1


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_burst_of_submits_without_a_key_checks_once_and_notifies_once():
    application = draft_that_fails_its_check()
    answers = at_once(*[lambda: submit(bearer_client(application.applicant), application)] * 5)
    assert [a.status_code for a in answers] == [202] * 5
    assert checks(application) == 1
    assert Notification.objects.filter(user=application.applicant, kind="needs_supplement").count() == 1
