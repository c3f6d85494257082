"""Experts' profiles: the disease categories an expert reviews, their institution, how many open cases
they take (used by `create_expert` and the demo seed; officers edit them in the admin)."""

from __future__ import annotations

from accounts.models import User
from applications.models import DiseaseCategory
from reviews.models import ExpertProfile


def expert_profile_set(
    *, user: User, category_codes: list[str], institution: str = "", capacity: int = 30
) -> ExpertProfile:
    categories = list(DiseaseCategory.objects.filter(code__in=category_codes))
    unknown = sorted(set(category_codes) - {c.code for c in categories})
    if unknown or not categories:
        raise ValueError(f"未知的病种类别代码：{', '.join(unknown) or '（未指定）'}")
    profile, _ = ExpertProfile.objects.update_or_create(
        user=user, defaults={"institution": institution.strip(), "capacity": capacity, "is_active": True}
    )
    profile.specialties.set(categories)
    return profile
