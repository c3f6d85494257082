"""Accounts in the admin, with the same ID-number and phone checks as registration."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.http import HttpRequest

from accounts.identity import validate_id_number, validate_mobile
from accounts.models import FamilyLink, User


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


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserAdminForm
    list_display = ["username", "name", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "name", "=id_number", "=phone"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("实名信息", {"fields": ("name", "id_number", "phone")}))


@admin.register(FamilyLink)
class FamilyLinkAdmin(admin.ModelAdmin):
    """Who follows whose applications (亲情账户), for the help desk: read-only; either side unbinds in the
    app, and an officer may delete a link here (e.g. at the member's request at a window)."""

    list_display = ["owner", "member", "relationship", "status", "created_at", "bound_at"]
    list_filter = ["status", "relationship"]
    search_fields = ["owner__username", "=owner__id_number", "=member__id_number"]
    readonly_fields = ["owner", "member", "relationship", "status", "created_at", "bound_at"]
    list_select_related = ["owner", "member"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
