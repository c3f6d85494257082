"""The application status machine: one table of allowed changes, one function that makes them, one
function that creates an application (new, change and annual review alike)."""

import re
from unittest import mock

import pytest

from applications.models import ApplicationEvent, ApplicationKind, ApplicationStatus
from applications.workflow import (
    TRANSITIONS,
    WITHDRAWABLE_STATUSES,
    application_create_record,
    application_transition,
)
from config.domain import InvalidState
from tests.factories import ApplicationFactory, DiseaseFactory, HospitalFactory, UserFactory

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def test_a_change_the_table_does_not_allow_is_refused_and_leaves_no_trace():
    application = ApplicationFactory()  # a draft
    with pytest.raises(InvalidState) as error:
        application_transition(application=application, to=S.APPROVED, actor=None, reason="越级")
    assert error.value.code == "transition_not_allowed"
    assert application.status == S.DRAFT
    assert not ApplicationEvent.objects.filter(application=application).exists()


def test_an_allowed_change_moves_the_status_and_appends_its_event():
    application = ApplicationFactory(under_review=True)
    event = application_transition(application=application, to=S.APPROVED, actor=None, reason="评审通过")
    assert application.status == S.APPROVED
    assert (event.from_status, event.to_status, event.actor_label, event.reason) == (
        S.UNDER_REVIEW,
        S.APPROVED,
        "系统",
        "评审通过",
    )


def test_effective_and_withdrawn_are_final_and_every_other_state_can_be_reached():
    sources = {source for source, _ in TRANSITIONS}
    targets = {target for _, target in TRANSITIONS}
    assert S.EFFECTIVE not in sources and S.WITHDRAWN not in sources
    assert set(S) == targets


def test_the_applicant_may_withdraw_exactly_until_a_decision():
    assert WITHDRAWABLE_STATUSES == {S.DRAFT, S.SUBMITTED, S.NEEDS_SUPPLEMENT, S.UNDER_REVIEW}


@pytest.mark.parametrize("kind", [ApplicationKind.NEW, ApplicationKind.CHANGE, ApplicationKind.ANNUAL_REVIEW])
def test_every_kind_of_application_is_created_the_same_way(kind):
    person = UserFactory()
    application = application_create_record(
        applicant=person,
        actor=person,
        reason="创建申请",
        kind=kind,
        disease=DiseaseFactory(),
        diagnosis_date=person.date_joined.date(),
        diagnosing_hospital=HospitalFactory(),
    )
    assert re.fullmatch(r"MT\d{8}\d{8}", application.reference)
    assert list(application.events.values_list("from_status", "to_status", "actor_label")) == [("", S.DRAFT, "申请人")]


def test_a_reference_number_drawn_twice_is_drawn_again():
    taken = ApplicationFactory(reference="MT2026120200000001")
    person = UserFactory()
    with mock.patch("applications.workflow.reference_new", side_effect=[taken.reference, "MT2026120200000002"]):
        application = application_create_record(
            applicant=person,
            actor=person,
            reason="创建申请",
            kind=ApplicationKind.NEW,
            disease=DiseaseFactory(),
            diagnosis_date=person.date_joined.date(),
            diagnosing_hospital=HospitalFactory(),
        )
    assert application.reference == "MT2026120200000002"
