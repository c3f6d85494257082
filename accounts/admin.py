from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "name", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "name", "id_number", "phone"]
    # Django's UserAdmin sets `fieldsets` (a tuple); the stubs only know ModelAdmin's `... | None`.
    fieldsets = (*BaseUserAdmin.fieldsets, ("实名信息", {"fields": ("name", "id_number", "phone")}))  # type: ignore[misc]
