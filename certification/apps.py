"""The certification app: the benefit right once it takes effect (below reviews, above notifications)."""

from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = "待遇认定"
