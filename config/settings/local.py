"""Embedded defaults: what `make run` and `.venv/bin/python manage.py` use (demo mode, dev secret)."""

import os

# Debug stays off unless asked for (DJANGO_DEBUG=true): even the demo never shows a stack trace.
os.environ.setdefault("DEMO_MODE", "true")

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    DEMO_MODE,
    DEVELOPMENT_BLIND_INDEX_KEY,
    DEVELOPMENT_FIELD_ENCRYPTION_KEY,
    DEVELOPMENT_SECRET_KEY,
    env,
    env_list,
)

SECRET_KEY = env("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if SECRET_KEY == DEVELOPMENT_SECRET_KEY and not DEMO_MODE:
    raise ImproperlyConfigured("the development secret key is for demo mode only: set DJANGO_SECRET_KEY")
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [DEVELOPMENT_FIELD_ENCRYPTION_KEY])
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", DEVELOPMENT_BLIND_INDEX_KEY)
if not DEMO_MODE and (
    DEVELOPMENT_FIELD_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS[:1] or BLIND_INDEX_KEY == DEVELOPMENT_BLIND_INDEX_KEY
):
    raise ImproperlyConfigured(
        "the development encryption keys are for demo mode only: set FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY"
    )

# The embedded defaults keep everything under var/: make sure it exists before the first migrate.
VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
