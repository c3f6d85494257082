"""The completeness check (一次性告知): `application_problems` rule by rule, then `application_check`."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from applications.checks import application_problems
from applications.evidence import evidence_missing, evidence_satisfied
from applications.models import (
    MEDICAL_KINDS,
    Application,
    ApplicationEvent,
    ApplicationKind,
    ApplicationStatus,
    Disease,
    Document,
    DocumentKind,
    Hospital,
    InsuredPerson,
    InsuredStatus,
)
from applications.services import application_check
from reviews.calendar import working_days_add
from tests.factories import (
    ApplicationFactory,
    DiseaseFactory,
    DocumentFactory,
    HospitalFactory,
    InsuredPersonFactory,
    make_id_number,
)
from tests.reviews.conftest import official_calendar  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 9, 18)  # a Friday; 20 working days later, across National Day, is 2026-10-22
SHANGHAI = ZoneInfo("Asia/Shanghai")
BASE_KINDS = ["id_card_front", "id_card_back", "insurance_card", "application_form"]
SIMPLE_RULE = {"all": ["diagnosis_certificate", "medical_record", "exam_report"]}
MALIGNANT_RULE = {
    "all": [
        {"any": ["diagnosis_certificate", "medical_record"]},
        "treatment_record",
        {"any": ["pathology_report", "imaging_report"]},
    ]
}
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- helpers ---------------------------------------------------------------------------------------


def hospital(*, level: int = 3, can_appraise: bool = False) -> Hospital:
    return HospitalFactory(level=level, can_appraise=can_appraise)


def disease(**fields) -> Disease:
    return DiseaseFactory(**{"evidence": SIMPLE_RULE, "record_max_age_days": 365, **fields})


def add(application: Application, kind: str, **fields) -> Document:
    """A document; a medical one is by default issued 10 days before ON by a level-3 hospital."""
    if kind in MEDICAL_KINDS:
        fields.setdefault("issued_on", ON - dt.timedelta(days=10))
        fields.setdefault("hospital", HospitalFactory(code="H620902RECORDS", name="酒泉市人民医院", level=3))
    return DocumentFactory(application=application, kind=kind, original_name=f"{kind}.pdf", **fields)


def application(
    *,
    evidence_kinds: tuple[str, ...] = ("diagnosis_certificate", "medical_record", "exam_report"),
    base_kinds: tuple[str, ...] = tuple(BASE_KINDS),
    insured: bool = True,
    **fields,
) -> Application:
    """A submitted application that passes every rule unless told otherwise."""
    fields.setdefault("disease", disease())
    fields.setdefault("diagnosing_hospital", hospital())
    fields.setdefault("diagnosis_date", ON - dt.timedelta(days=30))
    app = ApplicationFactory(submitted=True, **fields)
    if insured:
        InsuredPersonFactory(id_number=app.applicant.id_number)
    for kind in (*base_kinds, *evidence_kinds):
        add(app, kind)
    return app


def problems_of(app: Application, *, on: dt.date = ON) -> list[dict[str, str]]:
    return application_problems(application=Application.objects.get(pk=app.pk), on=on)


def codes(problems: list[dict[str, str]]) -> list[str]:
    return [problem["code"] for problem in problems]


def registry(app: Application):
    return InsuredPerson.objects.filter(id_number=app.applicant.id_number)


# --- a complete application ------------------------------------------------------------------------


def test_complete_application_has_no_problems():
    assert problems_of(application()) == []


# --- base documents --------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", BASE_KINDS)
def test_each_missing_base_document_is_one_problem_naming_its_kind(missing):
    app = application(base_kinds=tuple(kind for kind in BASE_KINDS if kind != missing))
    assert problems_of(app) == [
        {
            "code": "document_missing",
            "field": f"documents.{missing}",
            "message": f"缺少“{DocumentKind(missing).label}”。",
        }
    ]


def test_agent_application_without_agent_id_card_is_a_problem():
    app = application(agent_name="王五", agent_id_number=make_id_number(), agent_phone="13800138000")
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("document_missing", "documents.agent_id_card")]


def test_agent_application_with_agent_id_card_has_no_problems():
    app = application(agent_name="王五", agent_id_number=make_id_number(), agent_phone="13800138000")
    add(app, "agent_id_card")
    assert problems_of(app) == []


def test_own_application_does_not_need_agent_id_card():
    assert "documents.agent_id_card" not in [p["field"] for p in problems_of(application(base_kinds=()))]


# --- the disease's evidence rule -------------------------------------------------------------------


def test_all_rule_with_one_child_missing_names_exactly_that_child():
    app = application(evidence_kinds=("diagnosis_certificate", "medical_record"))
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("document_missing", "documents.exam_report")]


def test_any_rule_with_no_option_present_is_one_problem_listing_every_option():
    rule = {"all": ["diagnosis_certificate", {"any": ["pathology_report", "imaging_report"]}]}
    app = application(disease=disease(evidence=rule), evidence_kinds=("diagnosis_certificate",))
    problems = problems_of(app)
    assert codes(problems) == ["evidence_missing_one_of"]
    assert problems[0]["field"] == "documents"
    assert "病理报告" in problems[0]["message"] and "影像学报告" in problems[0]["message"]


def test_any_rule_is_satisfied_by_a_single_option():
    rule = {"all": ["diagnosis_certificate", {"any": ["pathology_report", "imaging_report"]}]}
    app = application(disease=disease(evidence=rule), evidence_kinds=("diagnosis_certificate", "imaging_report"))
    assert problems_of(app) == []


@pytest.mark.parametrize(
    "kinds",
    [
        ("diagnosis_certificate", "treatment_record", "pathology_report"),
        ("medical_record", "treatment_record", "imaging_report"),
    ],
)
def test_nested_malignant_tumour_rule_is_satisfied_by_either_branch(kinds):
    app = application(disease=disease(evidence=MALIGNANT_RULE, record_max_age_days=730), evidence_kinds=kinds)
    assert problems_of(app) == []


def test_nested_malignant_tumour_rule_without_treatment_record_names_only_it():
    app = application(
        disease=disease(evidence=MALIGNANT_RULE, record_max_age_days=730),
        evidence_kinds=("diagnosis_certificate", "pathology_report"),
    )
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("document_missing", "documents.treatment_record")]


def test_nested_malignant_tumour_rule_with_nothing_lists_each_unmet_branch():
    app = application(disease=disease(evidence=MALIGNANT_RULE, record_max_age_days=730), evidence_kinds=())
    assert codes(problems_of(app)) == ["evidence_missing_one_of", "document_missing", "evidence_missing_one_of"]


def test_evidence_satisfied_follows_and_or():
    assert evidence_satisfied(MALIGNANT_RULE, frozenset({"medical_record", "treatment_record", "imaging_report"}))
    assert not evidence_satisfied(MALIGNANT_RULE, frozenset({"medical_record", "imaging_report"}))


def test_evidence_missing_brackets_an_all_inside_an_any():
    rule = {"any": ["diagnosis_certificate", {"all": ["medical_record", "exam_report"]}]}
    [problem] = evidence_missing(rule, frozenset())
    assert problem["message"] == "需提供以下材料之一：“疾病诊断证明”或（“住院/门诊病历或出院小结”并且“检验报告”）。"


# --- medical documents: recency, issue date, issuing institution ----------------------------------


def test_medical_document_issued_exactly_max_age_days_ago_still_counts():
    app = application(
        disease=disease(record_max_age_days=180), evidence_kinds=("diagnosis_certificate", "medical_record")
    )
    add(app, "exam_report", issued_on=ON - dt.timedelta(days=180))
    assert problems_of(app) == []


def test_medical_document_one_day_past_max_age_is_too_old_and_does_not_count():
    app = application(
        disease=disease(record_max_age_days=180), evidence_kinds=("diagnosis_certificate", "medical_record")
    )
    old = add(app, "exam_report", issued_on=ON - dt.timedelta(days=181))
    problems = problems_of(app)
    assert [(p["code"], p["field"]) for p in problems] == [
        ("document_too_old", f"documents.{old.pk}"),
        ("document_missing", "documents.exam_report"),
    ]
    assert "180天" in problems[0]["message"]


def test_medical_document_without_issue_date_does_not_count():
    app = application(evidence_kinds=("diagnosis_certificate", "medical_record"))
    undated = add(app, "exam_report", issued_on=None)
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [
        ("document_issued_on_missing", f"documents.{undated.pk}"),
        ("document_missing", "documents.exam_report"),
    ]


def test_medical_document_without_hospital_does_not_count():
    app = application(evidence_kinds=("diagnosis_certificate", "medical_record"))
    anonymous = add(app, "exam_report", hospital=None)
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [
        ("document_hospital_missing", f"documents.{anonymous.pk}"),
        ("document_missing", "documents.exam_report"),
    ]


def test_medical_document_from_level_1_hospital_does_not_count():
    app = application(evidence_kinds=("diagnosis_certificate", "medical_record"))
    clinic = add(app, "exam_report", hospital=hospital(level=1))
    problems = problems_of(app)
    assert [(p["code"], p["field"]) for p in problems] == [
        ("document_hospital_level", f"documents.{clinic.pk}"),
        ("document_missing", "documents.exam_report"),
    ]
    assert "二级及以上" in problems[0]["message"]


def test_invalid_extra_document_next_to_a_valid_one_of_the_same_kind_is_not_a_problem():
    app = application()
    add(app, "exam_report", issued_on=ON - dt.timedelta(days=900), hospital=hospital(level=1))
    assert problems_of(app) == []


def test_invalid_document_of_a_kind_the_rule_does_not_need_is_not_a_problem():
    app = application()
    add(app, "pathology_report", issued_on=None)
    assert problems_of(app) == []


# --- designated-hospital appraisal -----------------------------------------------------------------


def test_required_appraisal_missing_is_a_problem():
    app = application(disease=disease(requires_hospital_appraisal=True, name="精神分裂症"))
    problems = problems_of(app)
    assert [(p["code"], p["field"]) for p in problems] == [("appraisal_missing", "documents.hospital_appraisal")]
    assert "精神分裂症" in problems[0]["message"]


def test_appraisal_from_a_hospital_that_cannot_appraise_is_a_problem():
    app = application(disease=disease(requires_hospital_appraisal=True))
    add(app, "hospital_appraisal", hospital=hospital(can_appraise=False))
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [
        ("appraisal_hospital_not_designated", "documents.hospital_appraisal")
    ]


def test_appraisal_from_an_appraising_hospital_satisfies_the_requirement():
    app = application(disease=disease(requires_hospital_appraisal=True))
    add(app, "hospital_appraisal", hospital=hospital(can_appraise=True))
    assert problems_of(app) == []


def test_too_old_appraisal_from_an_appraising_hospital_is_a_problem():
    app = application(disease=disease(requires_hospital_appraisal=True, record_max_age_days=180))
    old = add(app, "hospital_appraisal", hospital=hospital(can_appraise=True), issued_on=ON - dt.timedelta(days=181))
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("document_too_old", f"documents.{old.pk}")]


def test_appraisal_not_required_is_not_asked_for():
    assert problems_of(application(disease=disease(requires_hospital_appraisal=False))) == []


# --- the diagnosis ---------------------------------------------------------------------------------


def test_diagnosing_hospital_of_level_1_is_a_problem():
    app = application(diagnosing_hospital=hospital(level=1))
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("diagnosing_hospital_level", "diagnosing_hospital")]


def test_diagnosis_date_in_the_future_is_a_problem():
    app = application(diagnosis_date=ON + dt.timedelta(days=1))
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("diagnosis_date_future", "diagnosis_date")]


def test_diagnosis_dated_on_the_check_day_is_fine():
    assert problems_of(application(diagnosis_date=ON)) == []


# --- insurance ---------------------------------------------------------------------------------------


def test_applicant_not_in_the_registry_is_a_problem():
    app = application(insured=False)
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("not_insured", "insured")]


@pytest.mark.parametrize("status", [InsuredStatus.SUSPENDED, InsuredStatus.TERMINATED])
def test_registry_status_other_than_active_is_a_problem(status):
    app = application()
    registry(app).update(status=status)
    problems = problems_of(app)
    assert [(p["code"], p["field"]) for p in problems] == [("insurance_not_active", "insured")]
    assert InsuredStatus(status).label in problems[0]["message"]


def test_insured_outside_the_6209_pooling_region_is_a_problem():
    app = application()
    registry(app).update(region_code="620102")
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("insured_elsewhere", "insured")]


@override_settings(POOLING_REGION_PREFIX="6201")
def test_pooling_region_prefix_setting_is_honoured():
    lanzhou = application()
    registry(lanzhou).update(region_code="620102")
    jiuquan = application()
    assert problems_of(lanzhou) == []
    assert codes(problems_of(jiuquan)) == ["insured_elsewhere"]


# --- one open application or live certification per person and disease ----------------------------


def test_second_open_application_for_the_same_disease_cannot_even_be_stored():
    """The partial unique constraint makes the check's duplicate rule unreachable in a consistent DB."""
    app = application()
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationFactory(applicant=app.applicant, disease=app.disease, under_review=True)


def test_duplicate_open_application_rule_still_guards_if_the_constraint_is_missing():
    app = application()
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute('DROP INDEX "one_open_application_per_person_disease"')
    ApplicationFactory(applicant=app.applicant, disease=app.disease, under_review=True)
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("duplicate_open_application", "disease_code")]


@pytest.mark.parametrize("status", [ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN])
def test_closed_application_for_the_same_disease_is_not_a_duplicate(status):
    app = application()
    ApplicationFactory(applicant=app.applicant, disease=app.disease, status=status)
    assert problems_of(app) == []


def test_open_application_for_another_disease_is_not_a_duplicate():
    app = application()
    ApplicationFactory(applicant=app.applicant, disease=disease(), under_review=True)
    assert problems_of(app) == []


def test_open_annual_review_for_the_same_disease_is_not_a_duplicate():
    app = application()
    ApplicationFactory(applicant=app.applicant, disease=app.disease, kind=ApplicationKind.ANNUAL_REVIEW, submitted=True)
    assert problems_of(app) == []


def live_certification(app):
    """An earlier application of the same person and disease whose benefit is in effect."""
    from certification.services import certification_issue

    earlier = ApplicationFactory(
        applicant=app.applicant, disease=app.disease, status=ApplicationStatus.EFFECTIVE, submitted_at=app.submitted_at
    )
    return certification_issue(application=earlier, on=ON)


def test_live_certification_for_the_same_disease_is_a_problem():
    app = application()
    live_certification(app)
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("duplicate_certification", "disease_code")]


def test_another_persons_open_application_for_the_same_disease_is_not_a_duplicate():
    app = application()
    ApplicationFactory(disease=app.disease, under_review=True)
    assert problems_of(app) == []


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
    ("insurance_not_active", "insured"),
    ("insured_elsewhere", "insured"),
    ("duplicate_certification", "disease_code"),
]


def application_breaking_every_rule() -> tuple[Application, dict[str, str]]:
    """Every reachable rule broken at once (`not_insured` excludes the registry-row rules, and a
    second open application cannot be stored: both are tested alone above)."""
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


def test_every_problem_has_exactly_code_field_and_a_chinese_message():
    app, _ = application_breaking_every_rule()
    for problem in problems_of(app):
        assert set(problem) == {"code", "field", "message"}
        assert all(isinstance(value, str) and value for value in problem.values())
        assert CJK.search(problem["message"]), problem


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


def test_lapsed_certification_for_the_same_disease_is_not_a_problem():
    app = application()
    live_certification(app).__class__.objects.update(status="lapsed")
    assert problems_of(app) == []


def test_change_application_for_a_certified_disease_is_not_a_duplicate():
    app = application()
    live_certification(app)
    type(app).objects.filter(pk=app.pk).update(kind=ApplicationKind.CHANGE)
    app.refresh_from_db()
    assert problems_of(app) == []


def test_account_name_differing_from_the_registry_is_a_problem():
    app = application()
    registry(app).update(name="另一人")
    assert [(p["code"], p["field"]) for p in problems_of(app)] == [("name_mismatch", "insured")]
