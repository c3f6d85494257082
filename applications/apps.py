"""The applications app: the top of the lifecycle's layers (what the applicant files)."""

from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "慢特病申请"

    def ready(self) -> None:
        # The business gauges of /metrics read every app's tables: registered from the top app.
        from config.metrics import business_metrics_register
        from config.observability import sentry_init

        business_metrics_register()
        sentry_init()
