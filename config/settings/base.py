"""Settings shared by every environment.

Every value that differs between machines is read from the environment here, in one place.
local.py / test.py set development defaults; production.py insists on real secrets.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, SELF

from config.settings.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


SECRET_KEY = env("DJANGO_SECRET_KEY")
# The key local.py falls back to: known to everyone who reads this code, so allowed in demo mode only.
DEVELOPMENT_SECRET_KEY = "local-insecure-only-for-development-3f9a1c"  # noqa: S105
# Personal data at rest (config/crypto.py): Fernet keys, newest first (the first encrypts, all decrypt),
# and the key of the blind index that finds an encrypted ID number or phone again.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS", [])
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY")
# Their development values: public, like the development secret key, so demo mode only.
DEVELOPMENT_FIELD_ENCRYPTION_KEY = "atioIwyi506OqJIWuhFMN56XAGquYLghHU1yRqNP8Ek="
DEVELOPMENT_BLIND_INDEX_KEY = "local-insecure-blind-index-key-for-demo-mode-only-5d2b"
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# The bureau as applicants and the public read it: certificates, the access record, the admin.
BUREAU_NAME = env("BUREAU_NAME", "酒泉市医疗保障局")
ADMIN_SITE_HEADER = env("ADMIN_SITE_HEADER", f"{BUREAU_NAME} 门诊慢特病业务系统")
ADMIN_DASHBOARD = "applications.dashboard.dashboard_for"  # the admin start page's numbers per role
# Excel export of an admin list (config/export.py): up to EXPORT_SYNC_ROWS rows the file comes at once; up to
# EXPORT_MAX_ROWS it is written in the background and kept EXPORT_KEEP_HOURS for the person who asked.
EXPORT_SYNC_ROWS = env_int("EXPORT_SYNC_ROWS", 5_000)
EXPORT_MAX_ROWS = env_int("EXPORT_MAX_ROWS", 500_000)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
# The statistics (reviews/cohorts.py): a whole past month's counts are kept this many minutes; the
# statistics_warm job counts them again every 5. 0: every figure counted live on each request.
STATISTICS_MONTH_MINUTES = env_int("STATISTICS_MONTH_MINUTES", 15)
# Reference data's history is read, never reverted from the admin: a change goes through the record's own
# page and services (a calendar day recomputes deadlines, a disease's publication the announcements).
SIMPLE_HISTORY_REVERT_DISABLED = True
# Demo accounts (seed_demo) exist only where this is on.
DEMO_MODE = env_bool("DEMO_MODE", False)

INSTALLED_APPS = [
    "config.admin_site.BureauAdminConfig",  # django.contrib.admin with the bureau's name
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "rest_framework_simplejwt",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here, not a CDN: works on a closed network
    "django_celery_beat",
    "config.admin_site.LockoutConfig",  # django-axes, named in Chinese
    "csp",
    "django_prometheus",
    "simple_history",  # reference data keeps its history (who, when, old → new)
    # The lifecycle, top to bottom (each imports only those below it; see pyproject.toml, import-linter).
    "applications",
    "reviews",
    "certification",
    "notifications",
    "accounts",
]

MIDDLEWARE = [
    "config.observability.RequestLogMiddleware",  # outermost: the request id and the one log line
    "config.observability.DrainUnreadBodyMiddleware",  # a refused upload's remainder is read, not left
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # the history records who made the change
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Content-Security-Policy on every answer (django-csp): scripts only from this site, or inline with the
# request's nonce (`{{ request.csp_nonce }}`); nothing framed from elsewhere, no plugins, no form posts
# to other sites. Inline styles stay allowed (the admin's widgets set style attributes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [SELF],
        "frame-ancestors": [SELF],
        "base-uri": [SELF],
        "form-action": [SELF],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.bureau",
            ],
        },
    },
]

# --- Database: SQLite file by default, DATABASE_URL (PostgreSQL) in production -----------------
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the embedded worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Login lockout (config/lockout.py): django-axes checks every authentication first.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.lockout.client_ip"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# A refused `next=` after the admin login lands on the admin, not on a page that does not exist.
LOGIN_REDIRECT_URL = "admin:index"
LOGIN_URL = "admin:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]  # the admin and the messages are Chinese whatever the browser asks
# What Django and the libraries we use leave untranslated (the admin's hidden table headers, django-axes,
# simplejwt's token blacklist, django-celery-beat's help texts): translated here, `make messages` compiles.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# The project's own static files (the admin's stylesheet, static/bureau/admin.css).
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- File storage: private by design. Local files by default, S3 (private bucket) when configured.
# MEDIA_URL is deliberately unset: no document is ever reachable except through the
# permission-checked, logged download endpoint.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL"),
            "region_name": env("AWS_S3_REGION_NAME", "cn-northwest-1"),
            "access_key": env("AWS_ACCESS_KEY_ID"),
            "secret_key": env("AWS_SECRET_ACCESS_KEY"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": env("AWS_S3_SSE", "AES256")},
        },
    }
    if env("AWS_S3_SSE") == "none":
        _default_storage["OPTIONS"].pop("object_parameters")
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": None, "file_permissions_mode": 0o600},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Uploads -------------------------------------------------------------------------------------
UPLOAD_MAX_FILE_BYTES = env_int("UPLOAD_MAX_FILE_BYTES", 10 * 1024 * 1024)
UPLOAD_MAX_APPLICATION_BYTES = env_int("UPLOAD_MAX_APPLICATION_BYTES", 50 * 1024 * 1024)
UPLOAD_MAX_IMAGE_PIXELS = env_int("UPLOAD_MAX_IMAGE_PIXELS", 50_000_000)
# A scanned record has tens of pages; a file of thousands is refused at once (it would hold a worker).
UPLOAD_MAX_PDF_PAGES = env_int("UPLOAD_MAX_PDF_PAGES", 50)
# Anything beyond the per-file limit plus form overhead is cut off while streaming.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 2
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_HANDLERS = [
    "config.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Cache and Celery: Redis when REDIS_URL is set; otherwise embedded, no external service -----
REDIS_URL = env("REDIS_URL")
# A cache that fails open (config/cache.py): with Redis down, pages and rate limits go on uncached.
REDIS_CACHE = {
    "BACKEND": "config.cache.FailOpenRedisCache",
    "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
}
if REDIS_URL:
    CACHES = {"default": {**REDIS_CACHE, "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    # Socket timeouts: a Redis that accepts but never answers must not hang a request's publish.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    # Kombu's filesystem transport: a real broker-less queue in files, so queued work survives
    # restarts of the web process and of the worker (`make run` starts both).
    _celery_dir = VAR_DIR / "celery"
    CELERY_BROKER_URL = "filesystem://localhost/"  # a host name, or kombu warns on every connection
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        # Exchange bindings: under var/ too, never a `control/` folder in the working directory.
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A default for tasks that name none; every task of the project sets its own (the jobs need minutes).
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
# Deliveries (SMS, e-mail) have a queue of their own: a day of a million reminders never waits in front
# of the completeness checks. A worker consumes both (`-Q celery,deliveries`), or one worker each.
CELERY_TASK_DEFAULT_QUEUE = "celery"
DELIVERY_QUEUE = env("CELERY_DELIVERY_QUEUE", "deliveries")
CELERY_TASK_ROUTES = {"notifications.tasks.notification_deliver_task": {"queue": DELIVERY_QUEUE}}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up quickly when the broker is down: the commit stands and the sweeper re-queues.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_BROKER_CONNECTION_TIMEOUT = 3

# --- API -----------------------------------------------------------------------------------------
# Trusted proxies in front: the client's address for throttles, the login lockout and the access logs.
NUM_PROXIES = env_int("NUM_PROXIES", 0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.sessions.SessionJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "config.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.ProjectAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    # JSON only: DRF's browsable HTML pages (English, and a second UI over every endpoint) only with DEBUG.
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *(["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    ],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.ScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "register": env("THROTTLE_REGISTER", "20/hour"),
        "token": env("THROTTLE_TOKEN", "30/minute"),
        "upload": env("THROTTLE_UPLOAD", "120/hour"),
        "verify": env("THROTTLE_VERIFY", "60/minute"),
        # Public objections to an announcement entry, per client IP (API and the /gongshi/ form share it).
        "objection": env("THROTTLE_OBJECTION", "10/hour"),
    },
    "NUM_PROXIES": NUM_PROXIES,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": True,
    # Sessions that can end (accounts/sessions.py): rotation, the blacklist, the session version.
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "TOKEN_OBTAIN_SERIALIZER": "accounts.sessions.SessionTokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "accounts.sessions.SessionTokenRefreshSerializer",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "门诊慢特病网上申请 API (Outpatient special/chronic disease applications)",
    "DESCRIPTION": (
        "Apply online for outpatient special/chronic disease benefits. "
        "Every 4xx answer has the same body: see the `Problem` schema."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "applications.models.ApplicationStatus",
        "DocumentKindEnum": "applications.models.DocumentKind",
        "InsuranceTypeEnum": "applications.models.InsuranceType",
        "ApplicationKindEnum": "applications.models.ApplicationKind",
        "NewApplicationKindEnum": "applications.serializers.NEW_KIND_CHOICES",
        "CertificationStatusEnum": "certification.models.CertificationStatus",
        "NotificationKindEnum": "notifications.models.NotificationKind",
        "ReaderRoleEnum": "applications.models.ReaderRole",
        "RoleEnum": "reviews.models.AssignmentRole",
    },
}

# The service's own settings: policy values (cities differ), review, notifications, announcement and
# certificates, designated points and the national platform.
from config.settings.policy import *  # noqa: E402, F403
