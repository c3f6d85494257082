"""The twin's WSGI entry point for gunicorn (`bench.twin.wsgi`), as `config.wsgi` is the project's."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.twin.settings")
application = get_wsgi_application()
