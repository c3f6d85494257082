"""The typed caller of a request that only authenticated users reach."""

from __future__ import annotations

from typing import TypedDict

from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import User


def authenticated_user(request: HttpRequest | Request) -> User:
    """`request.user` as an account, in views only signed-in users reach: the API behind `IsAuthenticated`
    (its default) or `IsExpert`, and admin views (`admin_view` requires an active staff login).

    The permission has already turned anonymous callers away; this tells the type checker so, and fails
    loudly should such a view ever be opened to anonymous callers by mistake.
    """
    user = request.user
    assert isinstance(user, User), "view reached without an authenticated user"
    return user


class Client(TypedDict):
    ip_address: str | None
    user_agent: str


def client_of(request: HttpRequest | Request) -> Client:
    """Where a request came from, as the access log records it."""
    return {"ip_address": request.META.get("REMOTE_ADDR"), "user_agent": request.META.get("HTTP_USER_AGENT", "")}
