"""The cache of the public announcement (公示) pages and API, by batch and page, with a version per batch.

Every cached answer is keyed on its full address (page number and size included), the Accept header,
today's date (a batch's period opens and ends at midnight), the batch's own dates (a calendar change
moves `ends_on`) and a version token of the batch (or of the batch list). Whatever changes what a
batch shows — an entry published, held, withdrawn, taking effect, rewritten — calls
`announcement_public_changed`, which replaces the tokens: the next request misses and renders afresh, so
a stale page is never served by this server after a change. Only what the page itself shows is kept
(the rendered, de-identified answer); 404s and errors are not kept. Browsers and proxies may still keep
a page for `PUBLIC_CACHE_SECONDS` (`Cache-Control: public, max-age=60`), as before.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_response_headers

from reviews.models import AnnouncementBatch

PUBLIC_CACHE_SECONDS = 60  # what browsers and proxies are told
SERVER_CACHE_SECONDS = 600  # how long this server keeps an answer (changes replace the version anyway)
LIST_SCOPE = "list"


def _version_key(scope: str) -> str:
    return f"gongshi:version:{scope}"


def _version(scope: str) -> str:
    key = _version_key(scope)
    version = cache.get(key)
    if version is None:
        # A random token, never a counter: a lost version key can never bring back an older page.
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key) or "none"
    return str(version)


def announcement_public_changed(*, batch_ids: Iterable[int]) -> None:
    """The public pages of these batches (and the batch list) must be rendered again. Call it from the
    service that changes an entry or a batch. Replaced now and again after the commit: a request that
    read the old rows during the transaction cannot keep them under the new version."""
    keys = [_version_key(LIST_SCOPE), *(_version_key(f"batch:{pk}") for pk in set(batch_ids))]

    def replace() -> None:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)

    replace()
    transaction.on_commit(replace)


def _store(key: str, response: HttpResponse) -> None:
    headers = {name: response[name] for name in ("Content-Type", "Vary", "Content-Language") if name in response}
    cache.set(key, (response.content, headers), SERVER_CACHE_SECONDS)


def cached_public(*, per_batch: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Cache a public GET view (a Django view, or a DRF view's `dispatch`) by the rules above.
    `per_batch`: the view takes the batch as `pk`; otherwise it is the batch list."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            parts = [timezone.localdate().isoformat()]
            if per_batch:
                dates = AnnouncementBatch.objects.filter(pk=kwargs["pk"]).values_list("published_on", "ends_on").first()
                if dates is None:
                    return view(request, *args, **kwargs)  # its 404, not kept
                parts += [_version(f"batch:{kwargs['pk']}"), *(day.isoformat() for day in dates)]
            else:
                parts.append(_version(LIST_SCOPE))
            parts += [request.build_absolute_uri(), request.META.get("HTTP_ACCEPT", "")]
            key = "gongshi:page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()
            hit = cache.get(key)
            if hit is not None:
                content, headers = hit
                response: HttpResponseBase = HttpResponse(content, headers=headers)
            else:
                response = view(request, *args, **kwargs)
                render = getattr(response, "render", None)
                if render is not None and not getattr(response, "is_rendered", True):
                    render()
                if response.status_code != 200 or not isinstance(response, HttpResponse):
                    return response
                _store(key, response)
            patch_response_headers(response, PUBLIC_CACHE_SECONDS)
            patch_cache_control(response, public=True)
            return response

        return wrapper

    return decorator
