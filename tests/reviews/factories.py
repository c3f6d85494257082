"""Review-side factories: experts, assignments (one trait per state), announcement batches and entries,
and objections."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.identity import mask_id_number, mask_name
from accounts.roles import EXPERTS
from applications.models import ApplicationStatus
from reviews.experts import expert_load_recount
from reviews.models import (
    AnnouncementBatch,
    AnnouncementEntry,
    AssignmentRole,
    Decision,
    EntryStatus,
    ExpertProfile,
    Objection,
    ObjectionStatus,
    ReviewAssignment,
)
from tests.factories import ApplicationFactory, UserFactory


class ExpertProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpertProfile
        django_get_or_create = ["user"]
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, is_staff=True, name=factory.Sequence(lambda n: f"专家{n}"), id_number="")
    is_active = True
    capacity = 30

    @factory.post_generation
    def specialties(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create and extracted:
            obj.specialties.set(extracted)

    @factory.post_generation
    def in_experts_group(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        # The group comes from a migration; get_or_create also survives a transactional test's flush.
        if create:
            obj.user.groups.add(Group.objects.get_or_create(name=EXPERTS)[0])


class ExpertFactory(UserFactory):
    """A staff user with an expert profile."""

    is_staff = True
    name = factory.Sequence(lambda n: f"专家{n}")
    id_number = ""
    profile = factory.RelatedFactory(ExpertProfileFactory, factory_related_name="user")


class ReviewAssignmentFactory(factory.django.DjangoModelFactory):
    """A pending panel assignment of round 1 on an application under review (deadline 20 days out)."""

    class Meta:
        model = ReviewAssignment

    application = factory.SubFactory(
        ApplicationFactory,
        under_review=True,
        review_round=1,
        review_deadline=factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=28)),
    )
    expert = factory.SubFactory(ExpertFactory)
    round = factory.SelfAttribute("application.review_round")
    role = AssignmentRole.PANEL

    class Params:
        approved = factory.Trait(decision=Decision.APPROVE, decided_at=factory.LazyFunction(timezone.now))
        rejected = factory.Trait(
            decision=Decision.REJECT, reason="材料不足以证明诊断", decided_at=factory.LazyFunction(timezone.now)
        )
        escalation = factory.Trait(role=AssignmentRole.ESCALATION)
        inactive = factory.Trait(is_active=False)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        assignment = super()._create(model_class, *args, **kwargs)
        # Written here past the services: the expert's open-work counter is brought in line as they would.
        expert_load_recount(fix=True, expert_ids=[assignment.expert_id])
        return assignment


class AnnouncementBatchFactory(factory.django.DjangoModelFactory):
    """A batch published today for its 5 working days (`ended`: a batch whose period is over)."""

    class Meta:
        model = AnnouncementBatch
        django_get_or_create = ["region_code", "published_on"]

    region_code = "620900"
    region_name = "酒泉市"
    published_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda o: o.published_on + dt.timedelta(days=7))

    class Params:
        ended = factory.Trait(
            published_on=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=14)),
            ends_on=factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=7)),
            closed_at=factory.LazyFunction(timezone.now),
        )


class AnnouncementEntryFactory(factory.django.DjangoModelFactory):
    """The de-identified line of an application in a batch, masked as the publish job masks it."""

    class Meta:
        model = AnnouncementEntry

    batch = factory.SubFactory(AnnouncementBatchFactory)
    application = factory.SubFactory(ApplicationFactory, status=ApplicationStatus.IN_ANNOUNCEMENT)
    masked_name = factory.LazyAttribute(lambda o: mask_name(o.application.applicant.name))
    masked_id_number = factory.LazyAttribute(lambda o: mask_id_number(o.application.applicant.id_number))
    disease_name = factory.LazyAttribute(lambda o: o.application.disease.name)
    district = "肃州区"
    status = EntryStatus.LISTED


class ObjectionFactory(factory.django.DjangoModelFactory):
    """An objection from the public to an entry, open until an officer resolves it."""

    class Meta:
        model = Objection

    entry = factory.SubFactory(AnnouncementEntryFactory, status=EntryStatus.HELD)
    reason = "该申请人并未患有此病。"
    contact_name = "王五"
    contact_phone = "13800001111"
    status = ObjectionStatus.OPEN

    class Params:
        dismissed = factory.Trait(
            status=ObjectionStatus.DISMISSED, resolved_at=factory.LazyFunction(timezone.now), resolution="经核实不成立"
        )
        upheld = factory.Trait(
            status=ObjectionStatus.UPHELD, resolved_at=factory.LazyFunction(timezone.now), resolution="经核实成立"
        )
