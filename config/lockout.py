"""Login lockout (django-axes): after `LOGIN_FAILURE_LIMIT` wrong passwords for one username from one
address, that pair is locked for `LOGIN_LOCKOUT_MINUTES` — the admin login and the API's token alike.
The lock is per username *and* address, so nobody can lock a person out from elsewhere. Officers see
the attempts in the admin (访问尝试) and unlock an account by deleting its attempt."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

LOCKED_TYPE = "login_locked"


def locked_message() -> str:
    return (
        f"登录失败次数过多，该账户在本设备上已暂时锁定，请{settings.LOGIN_LOCKOUT_MINUTES}分钟后再试，"
        "或联系经办机构解锁。"
    )


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the API's throttles see it: `NUM_PROXIES` trusted proxies in front."""
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    address: str | None = request.META.get("REMOTE_ADDR")
    return address


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """429 in the error format under /api/, a Chinese page elsewhere (the admin login)."""
    from config.api.errors import UTF8, problem

    if request.path.startswith("/api/"):
        body = problem(429, type_=LOCKED_TYPE, detail=locked_message(), path=request.path)
        return JsonResponse(body, status=429, json_dumps_params=UTF8)
    page = (
        "<!doctype html><html lang='zh-CN'><meta charset='utf-8'><title>登录已暂时锁定</title>"
        f"<h1>登录已暂时锁定</h1><p>{locked_message()}</p><p><a href='/admin/login/'>返回登录页</a></p></html>"
    )
    return HttpResponse(page, status=429, content_type="text/html; charset=utf-8")
