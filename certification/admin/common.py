"""What the certification admin pages share: the masked person, the decide page."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from accounts.identity import mask_id_number, mask_name
from accounts.models import User
from certification.models import (
    CertificationEvent,
)
from config.admin_site import ReadOnlyAdminMixin


def masked_person(user: User) -> str:
    return f"{mask_name(user.name)} {mask_id_number(user.id_number)}"


def decide_page(
    request: HttpRequest,
    *,
    admin_obj: admin.ModelAdmin,
    title: str,
    facts: list[tuple[str, object]],
    choices: list[tuple[str, str]],
    reason_label: str,
    reason_required: bool,
    reason: str = "",
    extra_fields: list[tuple[str, str, str, str]] | None = None,
) -> TemplateResponse:
    context = {
        **admin_obj.admin_site.each_context(request),
        "opts": admin_obj.model._meta,
        "title": title,
        "facts": facts,
        "choices": choices,
        "reason_label": reason_label,
        "reason_required": reason_required,
        "reason": reason,
        "extra_fields": extra_fields or [],
    }
    return TemplateResponse(request, "admin/certification/decide.html", context)


class CertificationEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CertificationEvent
    extra = 0
    can_delete = False
    fields = ("at", "actor_label", "from_status", "to_status", "reason")
    readonly_fields = fields
    verbose_name_plural = "变更记录"
