"""A lost dependency is a 503: when the database cannot be reached, every page and API answer says
"try again shortly" (with `Retry-After`), in the error format under /api/, never a 500."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable() -> bool:
    """Whether the exception being handled is the database being out of reach."""
    error = sys.exc_info()[1]
    return isinstance(error, UNAVAILABLE)
