"""The person's own messages (in-app inbox)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.auth import authenticated_user
from notifications.models import Notification
from notifications.selectors import notification_list
from notifications.serializers import NotificationOutput
from notifications.services import notification_mark_read


class NotificationListApi(generics.ListAPIView):
    """The caller's messages, newest first."""

    serializer_class = NotificationOutput

    def get_queryset(self) -> QuerySet[Notification]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        return notification_list(user=authenticated_user(self.request))

    @extend_schema(summary="我的消息")
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)


class NotificationReadApi(APIView):
    @extend_schema(request=None, responses={200: NotificationOutput}, summary="标记通知为已读")
    def post(self, request: Request, pk: int) -> Response:
        notification = get_object_or_404(notification_list(user=authenticated_user(request)), pk=pk)
        return Response(NotificationOutput(notification_mark_read(notification=notification)).data)
