"""Who is who among staff: the one place that says who is a case officer and who is a medical expert.

The groups 经办人员 (officers) and 评审专家 (experts) and their permissions come from migrations. An
expert's working data (specialties, capacity, on duty) is their `ExpertProfile` (reviews), reached
here through the `expert_profile` relation only, so this module imports no app above `accounts`.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User

OFFICERS = "经办人员"
EXPERTS = "评审专家"


def is_officer(user: User) -> bool:
    """A case officer: an active member of the officers' group, or a superuser (who may act as one)."""
    return user.is_active and (user.is_superuser or user.groups.filter(name=OFFICERS).exists())


def officers() -> QuerySet[User]:
    """The officers the bureau named (superusers are administrators, not case officers: they are not told)."""
    return User.objects.filter(groups__name=OFFICERS, is_active=True).distinct()


def is_expert(user: User) -> bool:
    """A medical expert: an active account with an expert profile. An expert off duty is still one:
    they finish the cases already assigned to them, they only get no new ones (`experts_on_duty`)."""
    return user.is_active and hasattr(user, "expert_profile")


def experts_on_duty() -> QuerySet[User]:
    """Experts who may be given work: an active account with a profile marked on duty (在岗)."""
    return User.objects.filter(is_active=True, expert_profile__is_active=True)


def expert_candidates() -> QuerySet[User]:
    """Accounts an administrator may give an expert profile: members of the experts' group without one."""
    return User.objects.filter(groups__name=EXPERTS, is_active=True, expert_profile__isnull=True).distinct()
