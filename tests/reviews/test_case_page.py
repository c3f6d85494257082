"""The expert's case page in the admin: the facts on top (the applicant blind: sex and age only), the
decision form beside the documents and kept after a refusal, the scan viewer, the application form
and the completeness check beside the documents."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from accounts.identity import mask_id_number, mask_name
from applications.models import ApplicationChannel, DocumentAccess, DocumentKind, InsuranceType
from reviews.models import ReviewAssignment
from tests.factories import DocumentFactory, HospitalFactory, InsuredPersonFactory, UserFactory, make_id_number
from tests.reviews.review_helpers import accepted, panel
from tests.reviews.workbench_helpers import ON, assignment, decide_url, file_url, page
from tests.samples import png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_workbench_today")]

# Born 14 March 1958, the 17th digit even: a woman of 68 on ON (2026-09-14).
ID_NUMBER = make_id_number(birth=dt.date(1958, 3, 14), seq=2)


def change_url(mine: ReviewAssignment) -> str:
    return reverse("admin:reviews_reviewassignment_change", args=[mine.pk])


def facts_of(html: str) -> str:
    match = re.search(r'<div class="module" id="case-facts">.*?</dl>', html, flags=re.S)
    assert match, "no facts block"
    return match.group(0)


def fact(html: str, label: str) -> str:
    match = re.search(rf"<dt>{label}</dt><dd[^>]*>(.*?)</dd>", facts_of(html), flags=re.S)
    assert match, f"no fact {label}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.fixture
def case(expert1):
    applicant = UserFactory(name="马秀兰", id_number=ID_NUMBER)
    InsuredPersonFactory(id_number=ID_NUMBER, insurance_type=InsuranceType.RESIDENT)
    diagnosed = HospitalFactory(name="酒泉市人民医院")
    point = HospitalFactory(name="肃州区人民医院")
    mine = assignment(
        expert1,
        application__applicant=applicant,
        application__diagnosing_hospital=diagnosed,
        application__diagnosis_date=dt.date(2026, 5, 20),
        application__designated_points=[diagnosed.code, point.code],
        application__channel=ApplicationChannel.FAMILY,
    )
    return mine


def test_facts_come_first_with_the_applicant_blind_to_the_expert(client, expert1, case):
    client.force_login(expert1)

    html = page(client, change_url(case))

    disease = case.application.disease
    assert fact(html, "病种") == f"{disease.name}（{disease.category.name}）"
    assert fact(html, "确诊") == "2026-05-20 · 酒泉市人民医院"
    assert fact(html, "申请人") == "女 · 68岁"
    assert fact(html, "参保类型") == InsuranceType.RESIDENT.label
    assert fact(html, "申请渠道") == ApplicationChannel.FAMILY.label
    assert fact(html, "定点医疗机构") == "酒泉市人民医院、肃州区人民医院"
    assert "无（首轮评审）" in fact(html, "前几轮意见")
    # Nothing of who the applicant is, masked or not, anywhere on the expert's page.
    for secret in ("马秀兰", mask_name("马秀兰"), ID_NUMBER, mask_id_number(ID_NUMBER)):
        assert secret not in html
    assert html.index('id="case-facts"') < html.index('id="documents"')


def test_the_officer_sees_the_masked_applicant_with_sex_and_age(client, officer1, case):
    client.force_login(officer1)

    for url in (change_url(case), reverse("admin:reviews_reviewassignment_case", args=[case.application_id])):
        html = page(client, url)
        assert fact(html, "申请人") == f"{mask_name('马秀兰')} {mask_id_number(ID_NUMBER)} · 女 · 68岁"


def test_earlier_rounds_are_summarised_without_naming_the_experts(client, expert1, expert2):
    mine = assignment(expert1, application__review_round=2, round=2)
    ReviewAssignment.objects.create(
        application=mine.application, expert=expert2, round=1, decision="request_supplement", reason="缺少检验报告"
    )
    client.force_login(expert1)

    html = page(client, change_url(mine))

    assert fact(html, "前几轮意见") == "第1轮：补充材料：缺少检验报告"
    assert "专家二" not in facts_of(html)


def test_the_decision_form_comes_before_the_documents_with_a_link_to_it(client, expert1, case):
    client.force_login(expert1)

    html = page(client, change_url(case))

    assert html.index('id="decision"') < html.index('id="documents"')
    assert html.index('id="completeness"') < html.index('id="documents"')
    assert 'href="#decision"' in html


def test_a_refused_decision_comes_back_with_the_choice_and_the_words_kept(client, expert1, case):
    client.force_login(expert1)

    response = client.post(decide_url(case), {"decision": "reject", "reason": "  "})

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<input type="radio" name="decision" value="reject"[^>]*checked', html)
    assert "请更正下列错误。" in html
    assert re.search(r'id="reason-errors">\s*<li>不通过或要求补充材料时必须填写理由。', html)
    case.refresh_from_db()
    assert case.decision == ""
    # Reloading that address (or opening it after logging in again) leads back to the case, not a 405.
    again = client.get(decide_url(case))
    assert again.status_code == 302 and again["Location"] == change_url(case)


def test_a_missing_choice_keeps_the_typed_reason(client, expert1, case):
    client.force_login(expert1)

    response = client.post(decide_url(case), {"reason": "诊断证明与病历不一致，需核实"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="decision-errors"' in html
    assert re.search(r"<textarea[^>]*>\s*诊断证明与病历不一致，需核实</textarea>", html)
    assert not re.search(r'name="decision" value="[a-z_]+"[^>]*checked', html)


def test_a_decision_after_a_refusal_is_recorded(client, expert1, case):
    client.force_login(expert1)
    client.post(decide_url(case), {"decision": "reject", "reason": ""})

    response = client.post(decide_url(case), {"decision": "reject", "reason": "诊断依据不足"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.decision, case.reason) == ("reject", "诊断依据不足")


def test_scans_have_a_viewer_that_degrades_to_a_link(client, expert1, case):
    scan = DocumentFactory(application=case.application, file__data=png_bytes(), kind=DocumentKind.MEDICAL_RECORD)
    client.force_login(expert1)

    html = page(client, change_url(case))

    figure = re.search(rf'<div class="doc" id="doc-{scan.pk}">.*?</figure>', html, flags=re.S)
    assert figure
    viewer = figure.group(0)
    assert '<div class="viewer-toolbar" hidden>' in viewer  # shown by the script only
    for label in ("放大", "缩小", "旋转", "原始大小"):
        assert f">{label}</button>" in viewer
    assert f'<a class="viewer-link" href="{file_url(scan)}"' in viewer
    assert f'<img class="doc-preview" src="{file_url(scan)}"' in viewer
    assert '<script src="/static/reviews/case_viewer.js" defer></script>' in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline handler anywhere (CSP)
    assert not DocumentAccess.objects.exists()  # the page logs nothing: each file fetched is logged


def test_the_application_form_leads_the_documents_and_sits_beside_them(client, expert1, endocrine):
    app = accepted(cat=endocrine, on=ON)
    mine = next(a for a in panel(app) if a.expert == expert1)
    form = app.documents.get(kind=DocumentKind.APPLICATION_FORM)
    client.force_login(expert1)

    html = page(client, change_url(mine))

    side = html[html.index('id="application-form"') : html.index('id="documents"')]
    assert f'href="#doc-{form.pk}"' in side and f'href="{file_url(form)}"' in side
    first_document = re.search(r'<div class="doc" id="doc-([^"]+)">', html)
    assert first_document and first_document.group(1) == str(form.pk)
    assert "材料齐全，予以受理" in html[html.index('id="completeness"') : html.index('id="documents"')]


def test_another_experts_case_page_stays_closed(client, expert1, expert2, case):
    client.force_login(expert2)

    response = client.post(decide_url(case), {"decision": "approve"})

    assert response.status_code == 404
