from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "审核与公示"

    def ready(self) -> None:
        # The announcement admin lives in its own module; importing it registers it with the site.
        from reviews import admin_announcements  # noqa: F401
