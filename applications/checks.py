"""The completeness check (一次性告知): every missing or invalid item of a submission, all at once.

`application_problems` is a pure read that lists the problems; `application_check` (services) acts
on the result. Each problem is {"code", "field", "message"}: a stable code, the field or document
kind concerned, and a sentence an applicant understands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists
from django.utils import timezone

from applications.evidence import evidence_missing, evidence_unmet_kinds, kind_label, required_base_kinds
from applications.form import application_form_current
from applications.models import (
    DESK_CHANNELS,
    MAX_RECORD_AGE_DAYS,
    MEDICAL_KINDS,
    OPEN_STATUSES,
    Application,
    ApplicationKind,
    ApplicationStatus,
    Document,
    DocumentKind,
    InsuredPerson,
    InsuredStatus,
)
from certification.points import designated_points_problems
from certification.selectors import certification_live

Problem = dict[str, object]

MIN_HOSPITAL_LEVEL = 2


def _problem(code: str, field: str, message: str, kinds: list[str] | tuple[str, ...] = ()) -> Problem:
    """One problem: a stable code, the field or document concerned, a sentence for the applicant, and the
    document kinds an upload of which would resolve it (none when no upload can: a date, the insurance)."""
    return {"code": code, "field": field, "message": message, "kinds": list(kinds)}


@dataclass(frozen=True)
class _Evidence:
    """Which document kinds count as valid evidence, and why the other documents do not."""

    valid_kinds: frozenset[str]
    valid_documents: frozenset[object]
    invalid: list[tuple[Document, list[Problem]]]


def _medical_document_problems(document: Document, *, on: dt.date, max_age_days: int) -> list[Problem]:
    field = f"documents.{document.pk}"
    label = f"“{kind_label(document.kind)}”（{document.original_name}）"
    problems = []
    kinds = [document.kind]  # a corrected or a new document of the same kind resolves it
    if document.issued_on is None:
        problems.append(_problem("document_issued_on_missing", field, f"{label}未填写出具日期，请补充。", kinds))
    elif document.issued_on < on - dt.timedelta(days=min(max_age_days, MAX_RECORD_AGE_DAYS)):
        problems.append(
            _problem(
                "document_too_old",
                field,
                f"{label}出具于{document.issued_on:%Y-%m-%d}，已超过本病种要求的{max_age_days}天有效期，"
                "请提供近期材料。",
                kinds,
            )
        )
    if document.hospital is None:
        problems.append(_problem("document_hospital_missing", field, f"{label}未填写出具医疗机构，请补充。", kinds))
    elif document.hospital.level < MIN_HOSPITAL_LEVEL:
        problems.append(
            _problem(
                "document_hospital_level",
                field,
                f"{label}由{document.hospital.name}（{document.hospital.get_level_display()}）出具，"
                "须由二级及以上医疗机构出具。",
                kinds,
            )
        )
    return problems


def _evidence(documents: Iterable[Document], *, on: dt.date, max_age_days: int) -> _Evidence:
    valid_kinds: set[str] = set()
    valid_documents: set[object] = set()
    invalid: list[tuple[Document, list[Problem]]] = []
    for document in documents:
        document_problems = []
        if document.kind in MEDICAL_KINDS:
            document_problems = _medical_document_problems(document, on=on, max_age_days=max_age_days)
        if document_problems:
            invalid.append((document, document_problems))
        else:
            valid_kinds.add(document.kind)
            valid_documents.add(document.pk)
    return _Evidence(frozenset(valid_kinds), frozenset(valid_documents), invalid)


# 减证便民: identity and insurance scans the bureau already holds are not asked for again on an annual
# review or a change application (the application form and the medical evidence always are).
REUSABLE_KINDS = (DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK, DocumentKind.INSURANCE_CARD)


def documents_on_file(*, application: Application, on: dt.date) -> dict[str, Document]:
    """The scans of the person's earlier accepted applications that this one may use instead of new
    uploads: by kind, the newest one not older than `DOCUMENT_REUSE_MAX_AGE_DAYS` (policy: an ID card
    scan that old is asked for again), only for annual reviews and change applications."""
    if application.kind not in (ApplicationKind.ANNUAL_REVIEW, ApplicationKind.CHANGE):
        return {}
    newest_allowed = timezone.make_aware(
        dt.datetime.combine(on - dt.timedelta(days=settings.DOCUMENT_REUSE_MAX_AGE_DAYS), dt.time.min)
    )
    earlier = (
        Document.objects.filter(
            application__applicant_id=application.applicant_id,
            application__status=ApplicationStatus.EFFECTIVE,
            kind__in=REUSABLE_KINDS,
            purged_at__isnull=True,
            uploaded_at__gte=newest_allowed,
        )
        .exclude(application_id=application.pk)
        .select_related("application")
        .order_by("-uploaded_at")
    )
    found: dict[str, Document] = {}
    for document in earlier:
        found.setdefault(document.kind, document)
    return found


def application_problems(
    *, application: Application, on: dt.date, on_file: dict[str, Document] | None = None
) -> list[Problem]:
    """Every problem of the submission as of day `on`, in a stable order. `on_file`: what
    `documents_on_file` gives for the same day, when the caller has read it already."""
    problems: list[Problem] = []
    disease = application.disease
    documents = list(application.documents.select_related("hospital"))
    present = {document.kind for document in documents if not document.form_digest}
    present |= set(documents_on_file(application=application, on=on) if on_file is None else on_file)
    form_problems = [] if DocumentKind.APPLICATION_FORM in present else _online_form_problems(application, documents)
    if any(document.form_digest for document in documents) and not form_problems:
        present.add(DocumentKind.APPLICATION_FORM)

    # 1. Base documents of every application (and the agent's ID card for 代办); the application form
    # may be the one generated and confirmed online.
    desk = application.channel in DESK_CHANNELS
    for kind in required_base_kinds(has_agent=application.has_agent, filed_at_desk=desk):
        if kind == DocumentKind.APPLICATION_FORM and form_problems:
            problems.extend(form_problems)
        elif kind not in present:
            problems.append(_problem("document_missing", f"documents.{kind}", f"缺少“{kind_label(kind)}”。", [kind]))

    # 2. The disease's evidence, counting only recent documents from level-2+ institutions.
    # 3. The designated-hospital appraisal where the disease requires one.
    # Why a medical document does not count is told only where it was needed: an extra old report
    # next to a valid one does not make a complete application incomplete (行政许可法 art. 32).
    evidence = _evidence(documents, on=on, max_age_days=disease.record_max_age_days)
    tree = disease.reexam_evidence if application.kind == ApplicationKind.ANNUAL_REVIEW else disease.evidence
    explain: set[object] = set()
    missing: list[Problem] = []
    if tree:
        needed = evidence_unmet_kinds(tree, evidence.valid_kinds) - evidence.valid_kinds
        explain |= {document.pk for document, _ in evidence.invalid if document.kind in needed}
        missing = evidence_missing(tree, evidence.valid_kinds)
    appraisal: list[Problem] = []
    if disease.requires_hospital_appraisal and application.kind != ApplicationKind.ANNUAL_REVIEW:
        appraisal, appraisal_explain = _appraisal_problems(application, documents, evidence)
        explain |= appraisal_explain
    problems.extend(p for document, found in evidence.invalid if document.pk in explain for p in found)
    problems.extend(missing)
    problems.extend(appraisal)

    # 4. The diagnosis itself.
    hospital = application.diagnosing_hospital
    if hospital.level < MIN_HOSPITAL_LEVEL:
        problems.append(
            _problem(
                "diagnosing_hospital_level",
                "diagnosing_hospital",
                f"确诊医院{hospital.name}为{hospital.get_level_display()}医疗机构，须由二级及以上医院确诊。",
            )
        )
    if application.diagnosis_date > on:
        problems.append(_problem("diagnosis_date_future", "diagnosis_date", "确诊日期不能晚于今天。"))
    # The designated institutions where the benefit will be used (an annual review keeps its own).
    if application.kind != ApplicationKind.ANNUAL_REVIEW:
        for message in designated_points_problems(application.designated_points):
            problems.append(_problem("designated_points_invalid", "designated_points", message))

    # 5. Insurance: registered, paying normally, in this pooling region.
    problems.extend(_insurance_problems(application))

    # 6. One open application or live certification per person and disease.
    problems.extend(_duplicate_problems(application))
    return problems


def _online_form_problems(application: Application, documents: list[Document]) -> list[Problem]:
    """Why an application form confirmed online does not count: the disease requires the hospital's
    stamp, or the data it showed has changed since."""
    confirmed = [document for document in documents if document.form_digest]
    if not confirmed:
        return []
    field, kinds = f"documents.{DocumentKind.APPLICATION_FORM}", [str(DocumentKind.APPLICATION_FORM)]
    if application.disease.requires_stamped_form:
        message = f"“{application.disease.name}”的申请表须经医疗机构医保办盖章：请下载申请表，盖章后拍照或扫描上传。"
        return [_problem("application_form_stamp_required", field, message, kinds)]
    if not any(application_form_current(application=application, document=document) for document in confirmed):
        message = "申请信息在确认申请表后有修改，请重新查看并确认申请表。"
        return [_problem("application_form_outdated", field, message, kinds)]
    return []


def _appraisal_problems(
    application: Application, documents: list[Document], evidence: _Evidence
) -> tuple[list[Problem], set[object]]:
    """The appraisal's own problems, and the appraisal documents whose defects must be told.

    It counts when one appraisal is a valid medical document from a hospital that may appraise."""
    field = f"documents.{DocumentKind.HOSPITAL_APPRAISAL}"
    appraisals = [d for d in documents if d.kind == DocumentKind.HOSPITAL_APPRAISAL]
    if not appraisals:
        message = f"“{application.disease.name}”须提供定点医疗机构出具的鉴定意见。"
        return [_problem("appraisal_missing", field, message, [DocumentKind.HOSPITAL_APPRAISAL])], set()
    from_appraising = [d for d in appraisals if d.hospital is not None and d.hospital.can_appraise]
    if any(d.pk in evidence.valid_documents for d in from_appraising):
        return [], set()
    problems = []
    if not from_appraising:
        problems.append(
            _problem(
                "appraisal_hospital_not_designated",
                field,
                "鉴定意见须由具备鉴定资格的定点医疗机构出具。",
                [DocumentKind.HOSPITAL_APPRAISAL],
            )
        )
    return problems, {d.pk for d in appraisals}


def _insurance_problems(application: Application) -> list[Problem]:
    """The registry's word on the applicant; their 参保地 is noted on the application (the check saves it)."""
    person = InsuredPerson.objects.filter(id_number=application.applicant.id_number).first()
    application.region_code = person.region_code if person is not None else ""
    if person is None:
        return [_problem("not_insured", "insured", "未查询到您的参保登记信息，请确认已在本统筹区参加基本医疗保险。")]
    problems = []
    if person.name != application.applicant.name:
        problems.append(
            _problem(
                "name_mismatch",
                "insured",
                "账户姓名与参保登记姓名不一致，请核对身份证号码和姓名；如登记信息有误，请联系参保地医保经办机构。",
            )
        )
    if person.status != InsuredStatus.ACTIVE:
        problems.append(
            _problem(
                "insurance_not_active",
                "insured",
                f"您的参保状态为“{person.get_status_display()}”，须正常参保缴费后方可申请。",
            )
        )
    if not person.region_code.startswith(settings.POOLING_REGION_PREFIX):
        problems.append(
            _problem("insured_elsewhere", "insured", "您的参保地不在本统筹区，请向参保地医保经办机构申请。")
        )
    return problems


def _duplicate_problems(application: Application) -> list[Problem]:
    if application.kind == ApplicationKind.ANNUAL_REVIEW:
        return []
    same = Application.objects.filter(applicant=application.applicant, disease=application.disease).exclude(
        kind=ApplicationKind.ANNUAL_REVIEW
    )
    # Both questions in one query (on the application's own row): another open application, a live
    # certification (asked for a new application only).
    flags: dict[str, Exists] = {"open": Exists(same.filter(status__in=OPEN_STATUSES).exclude(pk=application.pk))}
    if application.kind == ApplicationKind.NEW:
        flags["live"] = Exists(certification_live(holder=application.applicant, disease=application.disease))
    found = Application.objects.filter(pk=application.pk).annotate(**flags).values(*flags).get()
    # The partial unique constraint already refuses a second open application; kept as a guard.
    if found["open"]:
        return [_problem("duplicate_open_application", "disease_code", "您已有该病种正在办理的申请。")]
    # A live certification already gives the benefit: a new application is refused, while a change
    # application (a changed condition) replaces it when it takes effect.
    if found.get("live"):
        return [
            _problem(
                "duplicate_certification",
                "disease_code",
                "您已享受该病种门诊慢特病待遇，无需重复申请；病情变化请提交变更申请。",
            )
        ]
    return []
