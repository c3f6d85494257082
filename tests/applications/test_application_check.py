"""The completeness check as a whole: every rule broken at once, found in one call, and
`application_check` acting on the result (accepted and the clock started, or sent back for a supplement)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from applications.models import Application, ApplicationEvent, ApplicationStatus, DocumentKind, InsuredStatus
from applications.services import application_check
from reviews.calendar import working_days_add
from tests.applications.check_helpers import (
    ON,
    SHANGHAI,
    add,
    application,
    codes,
    disease,
    hospital,
    live_certification,
    problems_of,
    registry,
)
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


CJK = re.compile(r"[\u4e00-\u9fff]")


# --- every rule at once ------------------------------------------------------------------------------


EVERY_RULE_BROKEN = [
    ("document_missing", "documents.id_card_front"),
    ("document_missing", "documents.id_card_back"),
    ("document_missing", "documents.insurance_card"),
    ("document_missing", "documents.application_form"),
    ("document_missing", "documents.agent_id_card"),
    ("document_too_old", "documents.<diagnosis_certificate>"),
    ("document_issued_on_missing", "documents.<medical_record>"),
    ("document_hospital_missing", "documents.<exam_report>"),
    ("document_hospital_level", "documents.<treatment_record>"),
    ("document_missing", "documents.diagnosis_certificate"),
    ("document_missing", "documents.medical_record"),
    ("document_missing", "documents.exam_report"),
    ("document_missing", "documents.treatment_record"),
    ("evidence_missing_one_of", "documents"),
    ("appraisal_hospital_not_designated", "documents.hospital_appraisal"),
    ("diagnosing_hospital_level", "diagnosing_hospital"),
    ("diagnosis_date_future", "diagnosis_date"),
    ("designated_points_invalid", "designated_points"),
    ("insurance_not_active", "insured"),
    ("insured_elsewhere", "insured"),
    ("duplicate_certification", "disease_code"),
]


def application_breaking_every_rule() -> tuple[Application, dict[str, str]]:
    """Every reachable rule broken at once (`not_insured` excludes the registry-row rules, and a
    second open application cannot be stored: both are tested alone in test_check_eligibility.py)."""
    rule = {
        "all": [
            "diagnosis_certificate",
            "medical_record",
            "exam_report",
            "treatment_record",
            {"any": ["pathology_report", "imaging_report"]},
        ]
    }
    app = application(
        disease=disease(evidence=rule, record_max_age_days=365, requires_hospital_appraisal=True),
        diagnosing_hospital=hospital(level=1),
        designated_points=[hospital(level=1).code],  # no level-2+ institution among them
        diagnosis_date=ON + dt.timedelta(days=3),
        agent_name="王五",
        agent_id_number=make_id_number(),
        agent_phone="13800138000",
        base_kinds=(),
        evidence_kinds=(),
    )
    level_3 = hospital(level=3)
    documents = {
        "diagnosis_certificate": add(
            app, "diagnosis_certificate", hospital=level_3, issued_on=ON - dt.timedelta(days=366)
        ),
        "medical_record": add(app, "medical_record", hospital=level_3, issued_on=None),
        "exam_report": add(app, "exam_report", hospital=None),
        "treatment_record": add(app, "treatment_record", hospital=hospital(level=1)),
    }
    add(app, "hospital_appraisal", hospital=hospital(level=3, can_appraise=False))
    registry(app).update(status=InsuredStatus.SUSPENDED, region_code="620102")
    live_certification(app)
    return app, {f"documents.<{kind}>": f"documents.{document.pk}" for kind, document in documents.items()}


def test_every_rule_broken_together_yields_every_problem_in_one_call():
    app, fields = application_breaking_every_rule()
    expected = [(code, fields.get(field, field)) for code, field in EVERY_RULE_BROKEN]
    assert [(p["code"], p["field"]) for p in problems_of(app)] == expected


def test_every_problem_has_exactly_code_field_a_chinese_message_and_kinds():
    app, _ = application_breaking_every_rule()
    for problem in problems_of(app):
        assert set(problem) == {"code", "field", "message", "kinds"}
        assert all(isinstance(problem[key], str) and problem[key] for key in ("code", "field", "message"))
        assert CJK.search(problem["message"]), problem
        assert isinstance(problem["kinds"], list) and set(problem["kinds"]) <= set(DocumentKind.values)


# What upload resolves each problem type: a frontend maps these to upload slots.
KINDS_BY_CODE = {
    "document_issued_on_missing": lambda p: [p["kind"]],
    "document_too_old": lambda p: [p["kind"]],
    "document_hospital_missing": lambda p: [p["kind"]],
    "document_hospital_level": lambda p: [p["kind"]],
    "evidence_missing_one_of": lambda p: ["pathology_report", "imaging_report"],
    "appraisal_hospital_not_designated": lambda p: ["hospital_appraisal"],
    "diagnosing_hospital_level": lambda p: [],
    "diagnosis_date_future": lambda p: [],
    "designated_points_invalid": lambda p: [],
    "insurance_not_active": lambda p: [],
    "insured_elsewhere": lambda p: [],
    "duplicate_certification": lambda p: [],
}


def test_every_problem_type_names_the_kinds_that_resolve_it():
    app, _ = application_breaking_every_rule()
    kinds_of_documents = {f"documents.{d.pk}": d.kind for d in app.documents.all()}
    seen = set()
    for problem in problems_of(app):
        seen.add(problem["code"])
        if problem["code"] == "document_missing":
            assert problem["kinds"] == [problem["field"].removeprefix("documents.")]
            continue
        facts = {"kind": kinds_of_documents.get(problem["field"])}
        assert problem["kinds"] == KINDS_BY_CODE[problem["code"]](facts), problem
    assert seen >= set(KINDS_BY_CODE) | {"document_missing"}


def test_not_insured_comes_together_with_the_other_problems():
    app = application(insured=False, base_kinds=("id_card_front",), diagnosis_date=ON + dt.timedelta(days=1))
    assert codes(problems_of(app)) == [
        "document_missing",
        "document_missing",
        "document_missing",
        "diagnosis_date_future",
        "not_insured",
    ]


# --- application_check: acting on the result -------------------------------------------------------


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI), tick=False)


@pytest.mark.usefixtures("official_calendar")
def test_complete_application_is_accepted_and_the_clock_starts():
    app = application()
    with at(ON):
        application_check(application_id=app.pk, on=ON)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW
    assert app.problems == []
    assert app.accepted_at is not None and app.accepted_at.astimezone(SHANGHAI).date() == ON
    assert app.review_deadline == working_days_add(start=ON, days=20).deadline == dt.date(2026, 10, 22)
    event = app.events.get()
    assert (event.from_status, event.to_status, event.actor_label) == ("submitted", "under_review", "系统")


@pytest.mark.usefixtures("official_calendar")
def test_check_without_on_uses_today():
    app = application()
    with at(ON):
        application_check(application_id=app.pk)
    app.refresh_from_db()
    assert app.review_deadline == dt.date(2026, 10, 22)


def test_incomplete_application_needs_supplement_with_the_problems_saved_and_in_the_event():
    app = application(base_kinds=("id_card_front", "id_card_back"), evidence_kinds=("diagnosis_certificate",))
    expected = problems_of(app)
    assert len(expected) == 4
    application_check(application_id=app.pk, on=ON)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.NEEDS_SUPPLEMENT
    assert app.problems == expected
    assert app.accepted_at is None and app.review_deadline is None
    event = app.events.get()
    assert (event.from_status, event.to_status) == ("submitted", "needs_supplement")
    assert event.data["problems"] == expected
    assert "4" in event.reason


def test_every_rule_broken_sends_back_every_problem_in_one_event():
    app, _ = application_breaking_every_rule()
    application_check(application_id=app.pk, on=ON)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.NEEDS_SUPPLEMENT
    assert codes(app.problems) == [code for code, _ in EVERY_RULE_BROKEN]
    assert codes(app.events.get().data["problems"]) == [code for code, _ in EVERY_RULE_BROKEN]


@pytest.mark.usefixtures("official_calendar")
def test_check_run_twice_changes_nothing_the_second_time():
    app = application()
    with at(ON):
        application_check(application_id=app.pk, on=ON)
    app.refresh_from_db()
    first = (app.status, app.accepted_at, app.review_deadline, app.updated_at)
    with at(ON + dt.timedelta(days=3)):
        application_check(application_id=app.pk, on=ON + dt.timedelta(days=3))
    app.refresh_from_db()
    assert (app.status, app.accepted_at, app.review_deadline, app.updated_at) == first
    assert ApplicationEvent.objects.filter(application=app).count() == 1


def test_failed_check_run_twice_records_one_event():
    app = application(base_kinds=())
    application_check(application_id=app.pk, on=ON)
    application_check(application_id=app.pk, on=ON)
    assert ApplicationEvent.objects.filter(application=app).count() == 1


@pytest.mark.parametrize(
    "status",
    [
        ApplicationStatus.DRAFT,
        ApplicationStatus.NEEDS_SUPPLEMENT,
        ApplicationStatus.UNDER_REVIEW,
        ApplicationStatus.WITHDRAWN,
    ],
)
def test_check_of_an_application_that_is_not_submitted_is_a_no_op(status):
    app = application(base_kinds=())  # would fail the check if it ran
    Application.objects.filter(pk=app.pk).update(status=status, problems=[])
    application_check(application_id=app.pk, on=ON)
    app.refresh_from_db()
    assert (app.status, app.problems, app.review_deadline) == (status, [], None)
    assert not ApplicationEvent.objects.filter(application=app).exists()


def test_check_of_an_unknown_application_returns_none():
    assert application_check(application_id="00000000-0000-0000-0000-000000000000", on=ON) is None
