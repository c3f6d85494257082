"""Factories of the applicant side, with one trait per lifecycle state of an application."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.utils import timezone
from stdnum.cn import ric

from accounts.models import User
from applications.models import (
    Application,
    ApplicationEvent,
    ApplicationKind,
    ApplicationStatus,
    Disease,
    DiseaseCategory,
    Document,
    DocumentKind,
    Hospital,
    InsuranceType,
    InsuredPerson,
    InsuredStatus,
)
from applications.workflow import transition_allowed

_ID_NUMBERS = itertools.count()


def make_id_number(region: str = "620902", birth: dt.date | None = None, seq: int | None = None) -> str:
    """A valid 18-digit resident ID number (GB 11643 MOD 11-2), never the same twice in a test run.

    The birth dates walk 1970-2011 in a fixed stride (7919 is prime to 15000, so each block of
    15,000 numbers has every day once) and the sequence digits count the blocks. Random draws
    collided once in CI (a unique-constraint failure in a test that makes 50 people)."""
    n = next(_ID_NUMBERS)
    if birth is None:
        birth, counted = dt.date(1970, 1, 1) + dt.timedelta(days=n * 7919 % 15000), n // 15000
    else:
        counted = n
    seq = counted % 1000 if seq is None else seq
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = "张三丰"
    id_number = factory.LazyFunction(make_id_number)
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    password = factory.PostGenerationMethodCall("set_password", "S3cure-pass-2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()


class InsuredPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsuredPerson

    id_number = factory.LazyFunction(make_id_number)
    # The registry holds the same name as the person's account (the check compares them).
    name = factory.LazyAttribute(
        lambda o: User.objects.filter(id_number=o.id_number).values_list("name", flat=True).first() or "张三丰"
    )
    insurance_type = InsuranceType.EMPLOYEE
    region_code = "620902"
    # Never before the birth date in the ID number (the registry import rejects that).
    insured_since = factory.LazyAttribute(
        lambda o: max(dt.date(2010, 1, 1), dt.datetime.strptime(o.id_number[6:14], "%Y%m%d").date())
    )
    status = InsuredStatus.ACTIVE


class DiseaseCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DiseaseCategory
        django_get_or_create = ["code"]

    code = "endocrine"
    name = "内分泌系统疾病"


class DiseaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disease
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"测试病种{n}")
    category = factory.SubFactory(DiseaseCategoryFactory)
    evidence = {"all": ["diagnosis_certificate", "medical_record", "exam_report"]}
    record_max_age_days = 365


class HospitalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Hospital
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"H6209020{n:04d}")
    name = factory.Sequence(lambda n: f"酒泉市测试医院{n}")
    level = 3
    region_code = "620902"
    can_appraise = True


def _events(*steps: str):  # type: ignore[no-untyped-def]
    """A post-generation hook writing the events of the path `steps` took, each an allowed change."""

    def write(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if not create:
            return
        path = ["", *steps]
        for source, target in itertools.pairwise(path):
            assert transition_allowed(source=source, target=target), (source, target)
            ApplicationEvent.objects.create(
                application=obj, actor_label="系统", from_status=source, to_status=target, reason="测试数据"
            )

    return factory.PostGeneration(write)


S = ApplicationStatus
ACCEPTED_PATH = (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW)
ACCEPTED = {
    "submitted_at": factory.LazyFunction(timezone.now),
    "accepted_at": factory.LazyFunction(timezone.now),
    "review_round": 1,
    "review_deadline": factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=28)),
}


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application in a lifecycle state: one trait per state, each bringing the rows it implies.
    From `approved` on: the events of its path through the workflow table and the panel's approving
    opinions; from `in_announcement` on, its announcement entry; `effective`, its certification.
    (The earlier states carry only their own fields: their tests build the events they look at.)"""

    class Meta:
        model = Application
        skip_postgeneration_save = True  # the hooks write other rows, never the application's own fields

    reference = factory.Sequence(lambda n: f"MT20260101{n:08d}")
    applicant = factory.SubFactory(UserFactory)
    kind = ApplicationKind.NEW
    status = ApplicationStatus.DRAFT
    disease = factory.SubFactory(DiseaseFactory)
    diagnosis_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    diagnosing_hospital = factory.SubFactory(HospitalFactory)
    # Treated where diagnosed (the factory's hospital is a designated level-3 one), unless a test says.
    designated_points = factory.LazyAttribute(lambda o: [o.diagnosing_hospital.code])

    class Params:
        submitted = factory.Trait(
            status=S.SUBMITTED,
            submitted_at=factory.LazyFunction(timezone.now),
            check_queued_at=factory.LazyFunction(timezone.now),
            check_attempts=1,
        )
        needs_supplement = factory.Trait(
            status=S.NEEDS_SUPPLEMENT,
            submitted_at=factory.LazyFunction(timezone.now),
            problems=[{"code": "document_missing", "field": "documents.id_card_back", "message": "缺少身份证国徽面。"}],
        )
        under_review = factory.Trait(**ACCEPTED, status=S.UNDER_REVIEW)
        rejected = factory.Trait(**ACCEPTED, status=S.REJECTED, history=_events(*ACCEPTED_PATH, S.REJECTED))
        approved = factory.Trait(
            **ACCEPTED,
            status=S.APPROVED,
            history=_events(*ACCEPTED_PATH, S.APPROVED),
            panel=factory.RelatedFactoryList(
                "tests.reviews.factories.ReviewAssignmentFactory",
                factory_related_name="application",
                size=2,
                approved=True,
            ),
        )
        in_announcement = factory.Trait(
            approved=True,
            status=S.IN_ANNOUNCEMENT,
            history=_events(*ACCEPTED_PATH, S.APPROVED, S.IN_ANNOUNCEMENT),
            entry=factory.RelatedFactory(
                "tests.reviews.factories.AnnouncementEntryFactory", factory_related_name="application"
            ),
        )
        effective = factory.Trait(
            in_announcement=True,
            status=S.EFFECTIVE,
            history=_events(*ACCEPTED_PATH, S.APPROVED, S.IN_ANNOUNCEMENT, S.EFFECTIVE),
            entry=factory.RelatedFactory(
                "tests.reviews.factories.AnnouncementEntryFactory",
                factory_related_name="application",
                status="effective",
                batch__ended=True,
            ),
            certificate=factory.RelatedFactory(
                "tests.certification.factories.CertificationFactory", factory_related_name="application"
            ),
        )
        withdrawn = factory.Trait(status=S.WITHDRAWN)


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    application = factory.SubFactory(ApplicationFactory)
    kind = DocumentKind.ID_CARD_FRONT
    file = factory.django.FileField(filename="x.png", data=b"placeholder")
    original_name = "x.png"
    content_type = "image/png"
    size = 11
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    uploaded_by = factory.SelfAttribute("application.applicant")
    issued_on = None
    hospital = None

    class Params:
        medical = factory.Trait(
            kind=DocumentKind.DIAGNOSIS_CERTIFICATE,
            issued_on=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10)),
            hospital=factory.SubFactory(HospitalFactory),
        )
