"""Settings of the bare DRF twin: Django's auth, DRF with simplejwt, PostgreSQL (TWIN_DATABASE_URL), the
Redis cache for the one throttled path, Celery's client for the one publish, Django templates for the one
HTML page. Nothing else: no sessions, no admin, no CSP, no request log, no axes, no cache of answers —
what a framework tutorial would ship. Passwords: Django's default hasher, as the project's."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

SECRET_KEY = "bench-twin-not-secret-only-for-the-http-suite-0001"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
ROOT_URLCONF = "bench.twin.urls"
WSGI_APPLICATION = "bench.twin.wsgi.application"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "bench.twin",
]
MIDDLEWARE = [
    "bench.twin.views.QueryCountMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES = {
    "default": dj_database_url.parse(
        os.environ["TWIN_DATABASE_URL"],
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REDIS_URL = os.environ["REDIS_URL"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
MEDIA_ROOT = Path(os.environ["MEDIA_ROOT"])
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"verify": os.environ.get("THROTTLE_VERIFY", "1000000/minute")},
}
SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": timedelta(minutes=30), "AUTH_HEADER_TYPES": ("Bearer",)}
CELERY_BROKER_URL = REDIS_URL
LOGGING = {"version": 1, "disable_existing_loggers": False}
