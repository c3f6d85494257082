"""Rate limits keyed on the client's address alone, whether signed in or not, for the public endpoints
whose API and HTML page share one counter (objections, certificate verification).

On Redis the count is a fixed window that opens with the client's first request: one pipelined round
trip (SET NX with the window's expiry, INCR, TTL) per request, where DRF's sliding log costs a GET and a
SET of the whole history. Other caches (the local and file caches of development and tests) keep DRF's
log. An unreachable Redis lets the request through, as every cached read does (`config.cache`)."""

from __future__ import annotations

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from config.cache import FailOpenRedisCache


class PerAddressThrottle(SimpleRateThrottle):
    scope: str
    num_requests: int | None  # set by SimpleRateThrottle.__init__ from the rate
    duration: int | None
    _retry_after: float | None = None

    def get_rate(self) -> str | None:
        # Read at each request, not at import, so the rate follows the settings (and test overrides).
        try:
            rate = api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            raise ImproperlyConfigured(f"REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'] has no {self.scope!r} rate") from None
        return None if rate is None else str(rate)  # rates are strings such as "10/hour"

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request: Request, view: APIView) -> bool:
        cache = caches[DEFAULT_CACHE_ALIAS]
        if self.rate is None or not isinstance(cache, RedisCache):
            return bool(super().allow_request(request, view))
        assert self.num_requests is not None and self.duration is not None  # a rate is set
        # Its own key: the count is an integer, where DRF's log under the plain key is a pickled list.
        key = cache.make_and_validate_key(f"window:{self.get_cache_key(request, view)}")
        pipe = cache._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.set(key, 0, ex=self.duration, nx=True)  # the window opens with the first request
        pipe.incr(key)
        pipe.ttl(key)
        try:
            _, count, ttl = pipe.execute()
        except RedisError as error:
            if isinstance(cache, FailOpenRedisCache):
                cache._unavailable("throttle", error)
                return True
            raise
        if count <= self.num_requests:
            return True
        self._retry_after = float(ttl if ttl > 0 else self.duration)
        return False

    def wait(self) -> float | None:
        if self._retry_after is not None:
            return self._retry_after
        return super().wait()
