"""Embedded defaults: what `make run` and `.venv/bin/python manage.py` use (demo mode, dev secret)."""

import os

# Debug stays off unless asked for (DJANGO_DEBUG=true): even the demo never shows a stack trace.
os.environ.setdefault("DEMO_MODE", "true")

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY", "local-insecure-only-for-development-3f9a1c")

# The embedded defaults keep everything under var/: make sure it exists before the first migrate.
VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
