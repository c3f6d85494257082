"""Rate limits keyed on the client's address alone, whether signed in or not, for the public endpoints
whose API and HTML page share one counter (objections, certificate verification)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView


class PerAddressThrottle(SimpleRateThrottle):
    scope: str

    def get_rate(self) -> str | None:
        # Read at each request, not at import, so the rate follows the settings (and test overrides).
        try:
            rate = api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(f"REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'] has no {self.scope!r} rate") from None
        return None if rate is None else str(rate)  # rates are strings such as "10/hour"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
