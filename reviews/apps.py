"""The reviews app: what the bureau decides (below applications, above certification)."""

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "审核与公示"

    def ready(self) -> None:
        from django.db.models import signals

        from reviews.calendar_version import calendar_changed
        from reviews.models import CalendarDay, CalendarYear

        for model in (CalendarDay, CalendarYear):
            for name, signal in (("saved", signals.post_save), ("deleted", signals.post_delete)):
                signal.connect(calendar_changed, sender=model, dispatch_uid=f"calendar_{model.__name__}_{name}")
