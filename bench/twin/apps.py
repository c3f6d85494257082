"""The twin as a Django app (label `twin`): its tables are created by `migrate --run-syncdb`."""

from django.apps import AppConfig


class TwinConfig(AppConfig):
    name = "bench.twin"
    label = "twin"
    default_auto_field = "django.db.models.BigAutoField"
