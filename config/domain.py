"""Domain errors raised by services; the API's exception handler turns them into the one error format."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "domain_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if errors is None and field:
            errors = [{"field": field, "code": self.code, "message": message}]
        self.errors = errors


class InvalidInput(DomainError):
    status_code = 400
    code = "invalid"


class InvalidState(DomainError):
    """The object is not in a state that allows the operation (e.g. upload after submit)."""

    status_code = 409
    code = "invalid_state"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "file_too_large"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class LoginLocked(DomainError):
    """Too many wrong passwords for this username from this address (django-axes)."""

    status_code = 429
    code = "login_locked"


class TooManyRequests(DomainError):
    """Asked too often (one-time codes): try again later."""

    status_code = 429
    code = "too_many_requests"


class Unavailable(DomainError):
    """A service outside us (the SMS gateway) is out of reach: try again shortly."""

    status_code = 503
    code = "unavailable"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"
