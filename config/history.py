"""The history of reference data (django-simple-history), named in Chinese throughout: the library names
the history of a many-to-many field after its Python class (`HistoricalExpertProfile_specialties`), and
that name reaches the permission lists officers read."""

from __future__ import annotations

from typing import Any

from simple_history.models import HistoricalRecords


class ReferenceHistory(HistoricalRecords):
    """HistoricalRecords whose many-to-many histories carry `m2m_verbose_name` (e.g. 评审专家擅长病种修改记录)."""

    def __init__(self, *args: Any, m2m_verbose_name: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.m2m_verbose_name = m2m_verbose_name

    def get_meta_options_m2m(self, through_model: Any) -> dict[str, Any]:
        options: dict[str, Any] = super().get_meta_options_m2m(through_model)
        if self.m2m_verbose_name:
            options["verbose_name"] = options["verbose_name_plural"] = self.m2m_verbose_name
        return options


HISTORY_START_REASON = "启用修改记录时的原值"


def history_start(apps: Any, models: list[tuple[str, str]]) -> None:
    """A first history row for each existing record of `models` (app_label, model name): without it the first
    change made after the history was switched on would show no old value. For a data migration."""
    from django.utils import timezone

    now = timezone.now()
    for app_label, model_name in models:
        model = apps.get_model(app_label, model_name)
        history = apps.get_model(app_label, f"Historical{model_name}")
        kept = {field.attname for field in history._meta.concrete_fields}
        copied = [field.attname for field in model._meta.concrete_fields if field.attname in kept]
        rows = [
            history(
                **{name: getattr(record, name) for name in copied},
                history_date=now,
                history_type="+",
                history_change_reason=HISTORY_START_REASON,
            )
            for record in model.objects.all().iterator()
        ]
        history.objects.bulk_create(rows, batch_size=1000)
