#!/usr/bin/env bash
# `make run`: the web server and a Celery worker (with beat embedded) on one machine.
# With no REDIS_URL the worker uses the filesystem broker under var/celery: no external service.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
mkdir -p var/celery/queue var/celery/processed var/celery/control var/log

.venv/bin/celery -A config worker --beat --queues celery,deliveries --loglevel INFO --concurrency 1 --pool solo \
  --schedule var/celerybeat-schedule --logfile var/log/worker.log &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM

echo "Serving on http://127.0.0.1:${PORT}/  (API docs: /api/docs/, admin: /admin/, worker log: var/log/worker.log)"
.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 --timeout 60 \
  --error-logfile -
