"""What every page of ours shows: the bureau's name (BUREAU_NAME) in the public pages' header."""

from django.conf import settings
from django.http import HttpRequest


def bureau(request: HttpRequest) -> dict[str, str]:
    return {"bureau": settings.BUREAU_NAME}
