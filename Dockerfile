# One image for every app process (web, worker, beat, migrate); docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

# pg_dump and pg_restore for the backup service (Debian 12's client matches PostgreSQL 15); Noto Sans
# CJK (OFL), the font the certificate PDFs embed.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first so code changes reuse this layer. Every pin has a manylinux wheel
# (psycopg-binary, pillow), so no compiler is needed in the image.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are baked into the image (WhiteNoise serves them if no proxy does).
# The secret, the keys and the address only satisfy production.py's checks while collecting; never
# used at run time (nothing is encrypted during a build).
RUN DJANGO_SECRET_KEY=build-only-never-used-at-run-time-collectstatic-needs-a-long-key-0123456789 \
    FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1ub3QtYS1yZWFsLWtleS0xMjM0NTY= \
    BLIND_INDEX_KEY=build-only-blind-index-key-never-used-at-run-time \
    PDF_SIGNING_KEY_FILE=/nonexistent PDF_SIGNING_CERT_FILE=/nonexistent \
    PUBLIC_BASE_URL=https://build.invalid \
    python manage.py collectstatic --noinput --verbosity 0

# Code stays root-owned and read-only for the process user; var/ (static files, refreshed by migrate
# into the volume the proxy serves) is the process user's.
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin app && chown -R app:app /app/var
USER app

EXPOSE 8000
# /dev/shm for the worker heartbeat files: the container's own filesystem may be slow or read-only.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "3", "--threads", "8", "--timeout", "120", "--worker-tmp-dir", "/dev/shm"]
