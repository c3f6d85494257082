"""Production: no defaults for secrets; HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    BLIND_INDEX_KEY,
    DEBUG,
    DEVELOPMENT_BLIND_INDEX_KEY,
    DEVELOPMENT_FIELD_ENCRYPTION_KEY,
    DEVELOPMENT_SECRET_KEY,
    FIELD_ENCRYPTION_KEYS,
    SECRET_KEY,
    env,
    env_bool,
    env_int,
)

if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production")
# What `manage.py check --deploy` asks of a key (50+ characters, 5+ different ones), and never the
# development key or Django's own generated-insecure prefix: tokens and sessions are signed with it.
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or "insecure" in SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak for production: use 50 or more random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
if SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is the development key: set a secret of production's own")
if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production")
# ID numbers and phones are stored encrypted (config/crypto.py): keys of production's own, never the
# development ones, and never derived from the secret key (rotating that must not lose the data).
if not FIELD_ENCRYPTION_KEYS or DEVELOPMENT_FIELD_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS must be set in production (comma-separated Fernet keys, newest first): "
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )
if not BLIND_INDEX_KEY or len(BLIND_INDEX_KEY) < 32 or BLIND_INDEX_KEY == DEVELOPMENT_BLIND_INDEX_KEY:
    raise ImproperlyConfigured("BLIND_INDEX_KEY must be set in production to 32 or more random characters")
# The QR code on every certificate encodes this address: a default would print 127.0.0.1 on paper.
_public_base_url = env("PUBLIC_BASE_URL")
if not _public_base_url or not _public_base_url.startswith(("https://", "http://")):
    raise ImproperlyConfigured("PUBLIC_BASE_URL must be set in production to the public address (https://…)")
PUBLIC_BASE_URL = _public_base_url

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# The national platform signs nothing without a secret: a real URL needs one.
if env("NATIONAL_PLATFORM_URL") and not env("NATIONAL_PLATFORM_SECRET"):
    raise ImproperlyConfigured("NATIONAL_PLATFORM_SECRET must be set when NATIONAL_PLATFORM_URL is")

# Certificates are signed by the bureau (config/pdf/signing.py): its own key, never a demo one.
for _name in ("PDF_SIGNING_KEY_FILE", "PDF_SIGNING_CERT_FILE"):
    if not env(_name):
        raise ImproperlyConfigured(f"{_name} must be set in production (the bureau's PDF signing key and certificate)")
