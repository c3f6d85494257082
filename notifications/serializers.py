"""Output of the in-app inbox."""

from __future__ import annotations

from rest_framework import serializers

from config.api.serializers import OutputModelSerializer
from notifications.models import Notification


class NotificationOutput(OutputModelSerializer):
    application = serializers.UUIDField(source="application_id", allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "application", "created_at", "read_at"]
