"""The notifications app: messages to people (in the app, by SMS and e-mail), below certification."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "通知"
