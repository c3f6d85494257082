"""Every change of a certification appends a CertificationEvent (who, when, from, to, why), and the
holder reads that history on the certificate API."""

import datetime as dt

import pytest
from django.db.models import F
from django.test import TestCase

from applications.models import ApplicationKind
from certification.jobs import annual_reviews
from certification.models import CertificationEvent, CertificationStatus
from certification.rules import validity
from certification.services import certification_issue, certification_revoke, certification_transition
from config.domain import InvalidState
from tests.api import bearer_client
from tests.certification.factories import CertificationFactory
from tests.factories import ApplicationFactory
from tests.reviews.review_helpers import at, officer

pytestmark = pytest.mark.django_db
C = CertificationStatus


def history(certification) -> list[tuple[str, str, str]]:
    """The status changes of the history (the platform's sends, from a status to itself, left aside)."""
    events = certification.events.exclude(from_status=F("to_status")).order_by("id")
    return list(events.values_list("from_status", "to_status", "actor_label"))


def test_issuing_writes_the_first_event():
    application = ApplicationFactory(status="effective", submitted_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC))
    certification = certification_issue(application=application, on=dt.date(2026, 10, 1))
    assert history(certification) == [("", C.ACTIVE, "系统")]
    assert application.reference in certification.events.get().reason


def test_a_revocation_names_the_officer_as_the_bureau_not_the_person():
    certification = CertificationFactory()
    certification_revoke(certification=certification, officer=officer(name="王经办"), reason="重复认定")
    certification.refresh_from_db()
    assert history(certification)[-1] == (C.ACTIVE, C.REVOKED, "经办人员")
    assert certification.events.last().reason == "重复认定"


def test_a_change_the_rules_do_not_allow_is_refused():
    certification = CertificationFactory(revoked=True)
    with pytest.raises(InvalidState):
        certification_transition(certification=certification, to=C.ACTIVE, actor=None, reason="恢复")


def test_the_daily_job_writes_an_event_for_each_certification_it_marks_and_lapses():
    effective_on = dt.date(2025, 9, 1)
    due, _ = validity(effective_on=effective_on)
    lapsing = CertificationFactory(effective_on=dt.date(2025, 7, 1))
    marked = CertificationFactory(effective_on=effective_on)
    day = due - dt.timedelta(days=10)
    with at(day), TestCase.captureOnCommitCallbacks(execute=True):
        annual_reviews(on=day)
        annual_reviews(on=day)  # a replay writes nothing twice
    assert history(marked) == [("", C.ACTIVE, "系统"), (C.ACTIVE, C.REVIEW_DUE, "系统")]
    assert history(lapsing)[-2:] == [(C.ACTIVE, C.REVIEW_DUE, "系统"), (C.REVIEW_DUE, C.LAPSED, "系统")]
    assert CertificationEvent.objects.filter(to_status=C.LAPSED).exclude(from_status=C.LAPSED).count() == 1


def test_a_change_application_that_takes_effect_revokes_the_old_certification_with_a_reason():
    old = CertificationFactory()
    change = ApplicationFactory(
        applicant=old.holder, disease=old.disease, kind=ApplicationKind.CHANGE, status="effective"
    )
    certification_issue(application=change, on=dt.date(2026, 11, 2))
    old.refresh_from_db()
    assert history(old)[-1] == (C.ACTIVE, C.REVOKED, "系统")
    assert change.reference in old.events.last().reason


def test_the_holder_reads_the_history_on_the_certificate_api():
    certification = CertificationFactory()
    certification_revoke(certification=certification, officer=officer(), reason="重复认定")
    body = bearer_client(certification.holder).get(f"/api/v1/certificates/{certification.pk}/").json()
    assert [(e["from"], e["to"], e["actor"], e["reason"]) for e in body["events"]] == [
        ("", "active", "系统", "测试数据"),
        ("active", "revoked", "经办人员", "重复认定"),
    ]
    assert set(body["events"][0]) == {"at", "actor", "from", "to", "reason"}
