"""The reviews app: what the bureau decides (below applications, above certification)."""

from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "审核与公示"
