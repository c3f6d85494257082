"""Notifications in the admin: read-only, with their delivery state."""

from django.contrib import admin

from config.admin_site import ReadOnlyAdminMixin
from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "title", "sms_status", "email_status", "read_at"]
    list_filter = ["kind", "sms_status", "email_status"]
    search_fields = ["=application__reference"]
    readonly_fields = [f.name for f in Notification._meta.fields]
