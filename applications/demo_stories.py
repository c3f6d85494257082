"""Demo mode only: people whose applications stand in every state, so that a newcomer sees every
screen within a minute of `make run` (seed_demo calls this after the demo staff exist).

Each story is a demo account `demo-<state>` (password: the demo password) whose application went
through the real services with the sample files of docs/samples: created, documents uploaded, the
application form confirmed online, submitted, checked, decided by the demo experts, announced. The one
shortcut: the effective story's announcement batch is moved back in time, so that its period has
ended and its certificate exists now (a real period lasts `ANNOUNCEMENT_WORKING_DAYS` working days).
A story whose account exists is left alone, so seeding again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from applications import documents, services
from applications.evidence import evidence_missing, required_base_kinds
from applications.models import (
    MEDICAL_KINDS,
    Application,
    ApplicationStatus,
    Disease,
    DocumentKind,
    Hospital,
    InsuredPerson,
)
from certification.models import Certification
from certification.pdf import certificate_verify_url
from reviews.announcements import announcement_close, announcement_ends_on, announcement_publish
from reviews.models import AnnouncementBatch, ReviewAssignment
from reviews.services import review_decide

SAMPLES = Path(settings.BASE_DIR) / "docs" / "samples"
SAMPLE_OF = {
    DocumentKind.ID_CARD_FRONT: "id_front.jpg",
    DocumentKind.ID_CARD_BACK: "id_back.jpg",
    DocumentKind.INSURANCE_CARD: "insurance_card.png",
    DocumentKind.APPLICATION_FORM: "application_form.pdf",
    DocumentKind.MEDICAL_RECORD: "medical_record.pdf",
    DocumentKind.EXAM_REPORT: "exam_report.pdf",
}
DISEASE = "M01600"  # 糖尿病: no hospital appraisal, a short evidence rule
HOSPITAL = "H62090200001"  # 酒泉市人民医院, level 3, designated
# state → the demo insured person whose story it is (not the people the README's walk-through registers)
STORIES: dict[str, str] = {
    ApplicationStatus.EFFECTIVE: "620902198805170466",  # 刘桂英
    ApplicationStatus.IN_ANNOUNCEMENT: "620921197006300628",  # 杨丽娟
    ApplicationStatus.APPROVED: "620922197512010849",  # 黄海燕
    ApplicationStatus.REJECTED: "620923196804131062",  # 吴淑芬
    ApplicationStatus.UNDER_REVIEW: "620924197901011178",  # 巴特尔
    ApplicationStatus.NEEDS_SUPPLEMENT: "620981196105271289",  # 孙丽
    ApplicationStatus.DRAFT: "620982196607041404",  # 胡玉梅
    ApplicationStatus.WITHDRAWN: "620982197302191510",  # 郭宏伟
}


def demo_stories_seed(*, password: str, say: Callable[[str], None]) -> None:
    """Create the stories not created yet, in an order where each day's announcement batch takes only
    its own story (effective first, approved last)."""
    if not (Disease.objects.filter(code=DISEASE).exists() and Hospital.objects.filter(code=HOSPITAL).exists()):
        say("demo stories skipped: load the catalogue and the hospitals first (manage.py bootstrap does)")
        return
    for state, id_number in STORIES.items():
        username = f"demo-{state.replace('_', '-')}"
        if User.objects.filter(username=username).exists():
            say(f"kept demo story {username}")
            continue
        with transaction.atomic():
            person = InsuredPerson.objects.get(id_number=id_number)
            user = User(username=username, name=person.name, id_number=id_number, phone=_phone(id_number))
            user.set_password(password)
            user.save()
            application = _story(user, state)
        say(f"created demo story {username}: {application.reference} {application.get_status_display()}")
        certification = Certification.objects.filter(application=application).first()
        if certification is not None:
            say(f"  its certificate verifies at {certificate_verify_url(code=certification.code)}")


def _phone(id_number: str) -> str:
    return "139" + id_number[-8:].replace("X", "0")


def _story(user: User, state: str) -> Application:
    today = timezone.localdate()
    disease = Disease.objects.get(code=DISEASE)
    application = services.application_create(
        applicant=user,
        disease_code=disease.code,
        diagnosis_date=today - dt.timedelta(days=90),
        diagnosing_hospital_code=HOSPITAL,
        designated_points=[HOSPITAL],
        diagnosing_doctor_name="王医生",
    )
    if state == ApplicationStatus.DRAFT:
        _upload(application, user, DocumentKind.ID_CARD_FRONT)
        return application
    if state == ApplicationStatus.WITHDRAWN:
        return services.application_withdraw(application=application, user=user, reason="演示：不再申请")
    for kind in _needed_kinds(disease):
        if state == ApplicationStatus.NEEDS_SUPPLEMENT and kind in MEDICAL_KINDS:
            continue  # the check will list the medical evidence, all at once
        _upload(application, user, kind)
    documents.application_form_confirm(application=application, user=user, commitment=True)
    services.application_submit(application=application, user=user)
    application = services.application_check(application_id=application.pk, on=today) or application
    if state in (ApplicationStatus.NEEDS_SUPPLEMENT, ApplicationStatus.UNDER_REVIEW):
        return application
    decision = "reject" if state == ApplicationStatus.REJECTED else "approve"
    for assignment in ReviewAssignment.objects.filter(application=application, is_active=True):
        reason = "演示：病历中未见连续治疗记录，诊断依据不足" if decision == "reject" else ""
        review_decide(assignment_id=assignment.pk, expert=assignment.expert, decision=decision, reason=reason)
    if state in (ApplicationStatus.EFFECTIVE, ApplicationStatus.IN_ANNOUNCEMENT):
        for batch in announcement_publish(on=today):
            if state == ApplicationStatus.EFFECTIVE:
                # The one shortcut: this batch was published long enough ago for its period to have ended.
                published_on = today - dt.timedelta(days=21)
                ends_on = announcement_ends_on(published_on=published_on)
                AnnouncementBatch.objects.filter(pk=batch.pk).update(published_on=published_on, ends_on=ends_on)
        if state == ApplicationStatus.EFFECTIVE:
            announcement_close(on=today)
    application.refresh_from_db()
    return application


def _needed_kinds(disease: Disease) -> list[str]:
    """The base documents and one way through the disease's evidence rule (the first option of an `any`)."""
    kinds = set(required_base_kinds(has_agent=False)) - {DocumentKind.APPLICATION_FORM}
    while missing := evidence_missing(disease.evidence, frozenset(kinds)):
        kinds.add(str(missing[0]["kinds"][0]))  # type: ignore[index]
    return sorted(kinds)


def _upload(application: Application, user: User, kind: str) -> None:
    name = SAMPLE_OF.get(DocumentKind(kind), "diagnosis_certificate.pdf")
    content_type = {"jpg": "image/jpeg", "png": "image/png"}.get(name.rsplit(".", 1)[1], "application/pdf")
    upload = SimpleUploadedFile(name, (SAMPLES / name).read_bytes(), content_type=content_type)
    medical = kind in MEDICAL_KINDS
    documents.document_add(
        application=application,
        user=user,
        kind=kind,
        file=upload,
        issued_on=timezone.localdate() - dt.timedelta(days=30) if medical else None,
        hospital_code=HOSPITAL if medical else None,
    )
