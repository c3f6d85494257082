"""Accounts in the admin, with the same ID-number and phone checks as registration."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm

from accounts.identity import validate_id_number, validate_mobile
from accounts.models import User


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
