"""The accounts app: the bottom of the lifecycle's layers (users, identity checks, staff roles)."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账户"
