"""Review-side factories, one trait per state of an assignment."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.roles import EXPERTS
from reviews.models import AssignmentRole, Decision, ExpertProfile, ReviewAssignment
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
