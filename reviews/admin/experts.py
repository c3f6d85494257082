"""Medical experts (评审专家) in the admin: their specialties, duty and capacity, and their open work."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from accounts.roles import expert_candidates
from reviews.models import ExpertProfile


@admin.register(ExpertProfile)
class ExpertProfileAdmin(SimpleHistoryAdmin):
    list_display = ["expert", "username", "specialty_list", "is_active", "capacity", "current_load"]
    list_filter = ["is_active", "specialties"]
    search_fields = ["user__username", "user__name"]
    filter_horizontal = ["specialties"]
    list_select_related = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ExpertProfile]:
        return super().get_queryset(request).prefetch_related("specialties")

    def get_readonly_fields(self, request: HttpRequest, obj: ExpertProfile | None = None) -> list[str]:
        return ["user"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            # Only members of the experts' group can open the workbench; the group is given by an admin.
            kwargs["queryset"] = expert_candidates()
            kwargs["help_text"] = "只列出“评审专家”组中尚无专家档案的账户。"
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="专家", ordering="user__name")
    def expert(self, obj: ExpertProfile) -> str:
        return obj.user.name or obj.user.username

    @admin.display(description="账户", ordering="user__username")
    def username(self, obj: ExpertProfile) -> str:
        return obj.user.username

    @admin.display(description="擅长病种类别")
    def specialty_list(self, obj: ExpertProfile) -> str:
        return "、".join(category.name for category in obj.specialties.all())

    @admin.display(description="在办/上限", ordering="open_load")
    def current_load(self, obj: ExpertProfile) -> str:
        return f"{obj.open_load}/{obj.capacity}"
