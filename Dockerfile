# One image for every app process (web, worker, beat, migrate); docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

# Dependencies first so code changes reuse this layer. Every pin has a manylinux wheel
# (psycopg-binary, pillow), so no compiler is needed in the image.
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Static files are baked into the image (served by WhiteNoise), so web needs no volume.
# The secret and the address only satisfy production.py's checks while collecting; never used at run time.
RUN DJANGO_SECRET_KEY=build-only-never-used-at-run-time-collectstatic-needs-a-long-key-0123456789 \
    PUBLIC_BASE_URL=https://build.invalid \
    python manage.py collectstatic --noinput --verbosity 0

# Code and static files stay root-owned and read-only for the process user.
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin app
USER app

EXPOSE 8000
# /dev/shm for the worker heartbeat files: the container's own filesystem may be slow or read-only.
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
