"""The runtime install on its own: with only requirements.txt installed (as the Docker image has it) and
Redis as the broker, every module imports and a submission is answered 202 with its check on the queue.

    REDIS_URL=redis://127.0.0.1:6379/13 VAR_DIR=$(mktemp -d) python scripts/runtime_smoke.py

Run by .ci/run in a virtualenv that has requirements.txt alone (the dev tools would hide a missing pin).
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
PACKAGES = ("accounts", "applications", "reviews", "certification", "notifications", "config")


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    for package in PACKAGES:
        for module in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if ".migrations." not in module.name and not module.name.startswith("config.settings"):
                importlib.import_module(module.name)
    import kombu.transport.redis  # noqa: F401  (what the first publish loads)

    call_command("migrate", verbosity=0)
    call_command("import_catalogue", verbosity=0)
    call_command("import_hospitals", verbosity=0)
    submit_once()
    print("runtime smoke: every module imports, a submission is queued on Redis")


def submit_once() -> None:
    import redis
    from django.conf import settings
    from django.test import Client
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from applications.models import Disease, Hospital

    user = User.objects.create(username="smoke", name="张三", id_number="620902196508220245", phone="13909370001")
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    draft = client.post(
        "/api/v1/applications/",
        {
            "disease_code": Disease.objects.order_by("code").first().code,
            "diagnosis_date": (dt.date.today() - dt.timedelta(days=30)).isoformat(),
            "diagnosing_hospital": Hospital.objects.filter(level=3).first().code,
        },
        content_type="application/json",
    )
    assert draft.status_code == 201, draft.content
    queue = redis.Redis.from_url(settings.REDIS_URL)
    before = queue.llen("celery")
    response = client.post(f"/api/v1/applications/{draft.json()['id']}/submit/")
    assert response.status_code == 202, response.content
    assert queue.llen("celery") == before + 1, "the check was not queued on Redis"


if __name__ == "__main__":
    main()
