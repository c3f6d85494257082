"""Sessions that can end: bearer tokens carry the account's session version (claim `sv`); logout
blacklists one refresh token (simplejwt's blacklist), refresh tokens rotate (the used one is
blacklisted), and a password change or reset raises the version and blacklists every refresh token of
the account, so that every token issued before (access and refresh) gets 401 `session_revoked`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken, Token

from accounts.models import SmsCode, User
from config.domain import InvalidInput

SESSION_CLAIM = "sv"
REVOKED = "登录已失效，请重新登录。"


class SessionRefreshToken(RefreshToken):
    @classmethod
    def for_user(cls, user: Any) -> Any:
        token = super().for_user(user)
        token[SESSION_CLAIM] = user.session_version
        return token


def _current(token: Token, user: Any) -> bool:
    # A token from before session versions counts as version 0.
    return bool(token.get(SESSION_CLAIM, 0) == user.session_version)


class SessionJWTAuthentication(JWTAuthentication):
    """simplejwt's bearer authentication, refusing tokens of an ended session."""

    def get_user(self, validated_token: Token) -> Any:
        user = super().get_user(validated_token)
        if not _current(validated_token, user):
            raise AuthenticationFailed(REVOKED, code="session_revoked")
        return user


class SessionTokenObtainPairSerializer(TokenObtainPairSerializer):
    token_class = SessionRefreshToken


class SessionTokenRefreshSerializer(TokenRefreshSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])
        user = User.objects.filter(pk=refresh.get("user_id")).first()
        if user is not None and not _current(refresh, user):
            raise InvalidToken(REVOKED)
        return super().validate(attrs)


def session_tokens(*, user: User) -> dict[str, str]:
    """A new token pair of the account's current session."""
    refresh = SessionRefreshToken.for_user(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


@transaction.atomic
def sessions_revoke(*, user: User) -> None:
    """End every session of the account: tokens issued before now are refused."""
    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in outstanding])


def session_logout(*, refresh: str) -> None:
    """Revoke one refresh token (the caller's own session ends when its access token expires)."""
    try:
        RefreshToken(refresh).blacklist()  # type: ignore[arg-type]
    except TokenError:
        raise InvalidInput("登录凭证无效或已失效。", code="refresh_invalid", field="refresh") from None


class SessionJWTScheme(SimpleJWTScheme):
    """The schema's bearer scheme (`jwtAuth`), as for simplejwt's own authentication."""

    target_class = "accounts.sessions.SessionJWTAuthentication"


def sign_in_records_sweep(*, before: dt.datetime) -> int:
    """Forget what only served signing in: one-time codes sent before `before` (long dead) and refresh
    tokens expired before it (with their blacklist entries). Part of the daily retention run."""
    codes, _ = SmsCode.objects.filter(created_at__lt=before).delete()
    tokens, _ = OutstandingToken.objects.filter(expires_at__lt=before).delete()
    return codes + tokens
