"""Test settings: the suite runs on SQLite by default, on PostgreSQL/Redis when the URLs are set."""

import os
import tempfile
import warnings

os.environ.setdefault("DEMO_MODE", "true")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="osd-test-"))

from .base import *  # noqa: F403
from .base import (
    DEVELOPMENT_BLIND_INDEX_KEY,
    DEVELOPMENT_FIELD_ENCRYPTION_KEY,
    REDIS_CACHE,
    REST_FRAMEWORK,
    env,
    env_bool,
)

SECRET_KEY = "test-only-secret-that-is-long-enough-for-hs256"  # noqa: S105
FIELD_ENCRYPTION_KEYS = [DEVELOPMENT_FIELD_ENCRYPTION_KEY]
BLIND_INDEX_KEY = DEVELOPMENT_BLIND_INDEX_KEY
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run inline unless an integration test drives a real worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if _redis_url := env("REDIS_URL"):
    # pytest-xdist's workers share the Redis database (and with it the broker's queues and bindings):
    # each keeps its cache keys under its own prefix, and tests empty only their own (tests/conftest.py).
    CACHES = {
        "default": {**REDIS_CACHE, "LOCATION": _redis_url, "KEY_PREFIX": f"test-{env('PYTEST_XDIST_WORKER', 'main')}"}
    }
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "register": "1000/min",
        "token": "1000/min",
        "upload": "1000/min",
        "objection": "1000/min",
        "verify": "1000/min",
    },
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A naive datetime is a bug in this domain (deadlines): make it fail loudly.
warnings.filterwarnings(
    "error", r"DateTimeField .* received a naive datetime", RuntimeWarning, r"django\.db\.models\.fields"
)
SMS_BACKEND = "config.sms.LocMemSmsBackend"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
