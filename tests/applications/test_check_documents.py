"""The completeness check (一次性告知), `application_problems` rule by rule: the base documents, the
disease's evidence rule, the medical documents (recency, issue date, issuer) and the appraisal."""

from __future__ import annotations

import datetime as dt

import pytest

from applications.evidence import evidence_missing, evidence_satisfied
from applications.models import DocumentKind
from tests.applications.check_helpers import BASE_KINDS, ON, add, application, codes, disease, hospital, problems_of
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


MALIGNANT_RULE = {
    "all": [
        {"any": ["diagnosis_certificate", "medical_record"]},
        "treatment_record",
        {"any": ["pathology_report", "imaging_report"]},
    ]
}


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
            "kinds": [missing],
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
