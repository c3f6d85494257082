"""The applications app: the top of the lifecycle's layers (what the applicant files)."""

from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "慢特病申请"
