"""Accounts in the admin, with the same ID-number and phone checks as registration; groups and
permissions named in Chinese (the permission names stored by migrations are English)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, Permission
from django.db.models import ManyToManyField, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from accounts import export_admin
from accounts.family import family_authorisation_confirm, family_authorisation_open
from accounts.identity import mask_id_number, validate_id_number, validate_mobile
from accounts.models import FamilyLink, LoginLockout, User
from accounts.roles import is_officer
from config.auth import authenticated_user, client_of
from config.domain import DomainError, NotFound

__all__ = ["export_admin"]  # 我的导出任务 registers itself


class UserAdminForm(UserChangeForm):
    """The same ID-number and phone checks as registration; both stay optional for staff accounts."""

    class Meta(UserChangeForm.Meta):
        model = User

    def clean_id_number(self) -> str:
        value = self.cleaned_data.get("id_number", "")
        return validate_id_number(value) if value else ""

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone", "")
        return validate_mobile(value) if value else ""


PERMISSION_ACTIONS = {"add": "增加", "change": "修改", "delete": "删除", "view": "查看"}


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    """A permission as "应用 | 对象 | 可修改对象", from the models' (translated) names; a custom permission
    keeps the name its model gave it."""

    def label_from_instance(self, obj: Permission) -> str:
        content_type = obj.content_type
        model = content_type.model_class()
        if model is None:  # a model since removed
            return f"{content_type.app_label} | {content_type.model} | {obj.codename}"
        subject = str(model._meta.verbose_name)
        action, _, model_name = obj.codename.partition("_")
        name = f"可{PERMISSION_ACTIONS[action]}{subject}" if model_name == model._meta.model_name else obj.name
        return f"{apps.get_app_config(content_type.app_label).verbose_name} | {subject} | {name}"


class ChinesePermissionsMixin:
    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField[Any] | None:
        if db_field.name in ("permissions", "user_permissions"):
            kwargs["form_class"] = PermissionChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ChinesePermissionsMixin, BaseGroupAdmin):
    pass


@admin.register(User)
class UserAdmin(ChinesePermissionsMixin, BaseUserAdmin):
    form = UserAdminForm
    list_display = ["username", "name", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "name", "=id_number", "=phone"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("实名信息", {"fields": ("name", "id_number", "phone")}))


@admin.register(FamilyLink)
class FamilyLinkAdmin(admin.ModelAdmin):
    """Who follows whose applications (亲情账户), for the help desk: read-only; either side unbinds in the
    app, and an officer may delete a link here (e.g. at the member's request at a window). For a member
    without a phone, the officer opens the signed authorisation (logged) and confirms the binding."""

    list_display = ["owner_display", "member_display", "relationship", "status", "created_at", "bound_at"]
    list_filter = ["status", "relationship"]
    search_fields = ["owner__username", "=owner__id_number", "=member__id_number", "member__name"]
    readonly_fields = [
        "owner_display",
        "member_display",
        "relationship",
        "status",
        "created_at",
        "bound_at",
        "authorisation_link",
        "confirmed_by",
    ]
    exclude = ["owner", "member", "authorisation", "authorisation_name", "authorisation_content_type"]
    list_select_related = ["owner", "member"]
    actions = ["confirm_authorisation"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_confirm_permission(self, request: HttpRequest) -> bool:
        return is_officer(authenticated_user(request))

    @admin.display(description="亲情账户")
    def owner_display(self, obj: FamilyLink) -> str:
        return f"{obj.owner.name or obj.owner.username}（{mask_id_number(obj.owner.id_number)}）"

    @admin.display(description="家庭成员（核对授权书用）")
    def member_display(self, obj: FamilyLink) -> str:
        return f"{obj.member.name}（{mask_id_number(obj.member.id_number)}）"

    @admin.display(description="授权委托书（查看记录访问）")
    def authorisation_link(self, obj: FamilyLink) -> str:
        if not obj.authorisation:
            return "—"
        url = reverse("admin:accounts_familylink_authorisation", args=[obj.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">打开</a>', url)

    @admin.action(description="已核对授权委托书与成员身份证件，确认绑定", permissions=["confirm"])
    def confirm_authorisation(self, request: HttpRequest, queryset: QuerySet[FamilyLink]) -> None:
        officer = authenticated_user(request)
        for link in queryset:
            who = f"{link.owner.name or link.owner.username} → {link.member.name}（{link.relationship}）"
            try:
                family_authorisation_confirm(link=link, officer=officer)
            except DomainError as exc:
                messages.warning(request, f"{who}：{exc.message}")
            else:
                messages.success(request, f"已确认绑定：{who}")

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.authorisation_view)
        return [path("<int:pk>/authorisation/", view, name="accounts_familylink_authorisation"), *super().get_urls()]

    def authorisation_view(self, request: HttpRequest, pk: int) -> FileResponse:
        link = get_object_or_404(FamilyLink, pk=pk)
        try:
            handle = family_authorisation_open(link=link, user=authenticated_user(request), **client_of(request))
        except NotFound:
            raise Http404 from None
        response = FileResponse(handle, content_type=link.authorisation_content_type, filename=link.authorisation_name)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


@admin.register(LoginLockout)
class LoginLockoutAdmin(admin.ModelAdmin):
    """Failed logins per username and address (django-axes); an officer unlocks by deleting the record."""

    list_display = ["username", "ip_address", "failures_since_start", "locked", "attempt_time"]
    search_fields = ["username", "ip_address"]
    fields = ["username", "ip_address", "failures_since_start", "locked", "attempt_time", "user_agent"]
    readonly_fields = ["username", "ip_address", "failures_since_start", "locked", "attempt_time", "user_agent"]

    @admin.display(description="已锁定", boolean=True)
    def locked(self, obj: LoginLockout) -> bool:
        return obj.failures_since_start >= settings.LOGIN_FAILURE_LIMIT

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: int) -> HttpResponse:
        super().response_delete(request, obj_display, obj_id)  # its message: 已删除…
        return HttpResponseRedirect(reverse("admin:accounts_loginlockout_changelist"))
