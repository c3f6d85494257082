"""The page the QR code of a certificate opens (`/verify/<code>/`): anyone, on a phone, without logging
in, sees 有效/无效 with the masked holder, the disease, the dates and the designated points. The JSON API
stays for machines; both say the same (`certification_public_facts`) and share one rate limit."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from certification.apis import VerifyThrottle
from certification.selectors import certification_by_code, certification_public_facts


@require_GET
@never_cache  # a revocation shows at once
def verify_page(request: HttpRequest, code: str) -> HttpResponse:
    throttle = VerifyThrottle()
    if not throttle.allow_request(request, None):  # type: ignore[arg-type]
        return render(request, "public/verify_throttled.html", status=429)
    certification = certification_by_code(raw_code=code)
    facts = certification_public_facts(certification=certification, on=timezone.localdate())
    shown_code = certification.code if certification is not None else code[:40]
    return render(request, "public/verify.html", {"facts": facts, "code": shown_code})
