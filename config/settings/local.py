"""Development / embedded defaults: what `make run` and `.venv/bin/python manage.py` use."""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("DEMO_MODE", "true")

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("DJANGO_SECRET_KEY", "local-insecure-only-for-development-3f9a1c")
