"""Create the twin's tables and the rows the measured paths need; print what the driver needs as JSON.

TWIN_DATABASE_URL=... REDIS_URL=... MEDIA_ROOT=... python bench/twin/prepare.py USERS TOKEN_PASSWORD
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.twin.settings"


def main() -> None:
    users, password = int(sys.argv[1]), sys.argv[2]
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import RefreshToken

    from bench.twin.models import TwinApplication, TwinAssignment, TwinCertificate

    call_command("migrate", "auth", verbosity=0)  # first: the twin's tables refer to auth_user
    call_command("migrate", run_syncdb=True, verbosity=0)

    def access(user: User) -> str:
        return str(RefreshToken.for_user(user).access_token)

    User.objects.create(username="bench_token", password=make_password(password))
    unusable = make_password(None)
    applicants = User.objects.bulk_create(User(username=f"applicant{i}", password=unusable) for i in range(users))
    lister = User.objects.create(username="lister", password=unusable)
    expert = User.objects.create(username="expert", password=unusable)
    today = dt.date.today()
    listed = TwinApplication.objects.bulk_create(
        TwinApplication(owner=lister, disease_code=f"T{i:05d}", diagnosis_date=today, hospital_code="H1")
        for i in range(20)
    )
    queued = TwinApplication.objects.bulk_create(
        TwinApplication(
            owner=applicants[0],
            disease_code=f"Q{i:05d}",
            diagnosis_date=today,
            hospital_code="H1",
            status="under_review",
        )
        for i in range(20)
    )
    TwinAssignment.objects.bulk_create(
        TwinAssignment(application=app, expert=expert, deadline=today + dt.timedelta(days=i))
        for i, app in enumerate(queued)
    )
    TwinCertificate.objects.create(
        code="BENCH-TWIN-0001", holder_name="张三丰", disease_name="测试病种", valid_from=today
    )
    json.dump(
        {
            "create_tokens": [access(user) for user in applicants],
            "list_token": access(lister),
            "detail": [str(app.pk) for app in listed[:8]],
            "queue_token": access(expert),
            "verify_code": "BENCH-TWIN-0001",
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
