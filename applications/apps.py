"""The applications app: the top of the lifecycle's layers (what the applicant files)."""

from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "慢特病申请"

    def ready(self) -> None:
        # The business gauges of /metrics read every app's tables: registered from the top app.
        from applications.lookups import catalogue_signals_connect
        from config.metrics import business_metrics_register
        from config.observability import sentry_init

        business_metrics_register()
        catalogue_signals_connect()  # cached catalogue look-ups are forgotten on every change
        sentry_init()
