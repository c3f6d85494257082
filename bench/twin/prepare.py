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

    from bench.http_paths import ANNOUNCED, PDF_DRAFTS, REGISTER_CODES, SMS_CODE
    from bench.twin.models import (
        TwinApplication,
        TwinAssignment,
        TwinBatch,
        TwinCertificate,
        TwinDocument,
        TwinEntry,
        TwinEvent,
        TwinSmsCode,
    )
    from bench.twin.views import code_hash

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
    holder = User.objects.create(username="holder", password=unusable)
    certificate = TwinCertificate.objects.create(
        holder=holder,
        code="BENCH-TWIN-0001",
        holder_name="张三丰",
        disease_name="测试病种",
        valid_from=today,
        valid_until=today + dt.timedelta(days=730),
    )
    # The later paths (bench/http_paths.py): the same shapes of rows as the project's.
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    people = [
        {"username": f"bench_reg{i}", "phone": f"137{i:08d}", "id_number": f"62090219800101{i:04d}"[:18]}
        for i in range(REGISTER_CODES)
    ]
    TwinSmsCode.objects.bulk_create(
        TwinSmsCode(phone=p["phone"], code_hash=code_hash(p["phone"], SMS_CODE), expires_at=expires) for p in people
    )
    uploaders = User.objects.bulk_create(User(username=f"uploader{i}", password=unusable) for i in range(PDF_DRAFTS))
    pdf_drafts = TwinApplication.objects.bulk_create(
        TwinApplication(owner=u, disease_code="P00001", diagnosis_date=today, hospital_code="H1") for u in uploaders
    )
    checker = User.objects.create(username="checker", password=unusable)
    checked = TwinApplication.objects.bulk_create(
        TwinApplication(owner=checker, disease_code=f"C{i:05d}", diagnosis_date=today, hospital_code="H1")
        for i in range(8)
    )
    kinds = ("id_card_front", "id_card_back", "diagnosis_certificate")
    TwinDocument.objects.bulk_create(
        TwinDocument(application=app, kind=kind, file=f"twin/{app.pk}-{kind}.jpg", size=400_000)
        for app in checked
        for kind in kinds[:2]
    )
    cases = list(TwinAssignment.objects.filter(expert=expert).order_by("id")[:8])
    TwinDocument.objects.bulk_create(
        TwinDocument(application=case.application, kind=kind, file=f"twin/{case.pk}-{kind}.jpg", size=400_000)
        for case in cases
        for kind in kinds
    )
    TwinEvent.objects.bulk_create(
        TwinEvent(application=case.application, from_status=a, to_status=b, actor=applicants[0])
        for case in cases
        for a, b in (("", "draft"), ("draft", "submitted"), ("submitted", "under_review"))
    )
    batch = TwinBatch.objects.create(region_name="酒泉市", published_on=today, ends_on=today + dt.timedelta(days=7))
    districts = ("肃州区", "玉门市", "敦煌市", "金塔县", "瓜州县", "肃北县", "阿克塞县")
    TwinEntry.objects.bulk_create(
        TwinEntry(
            batch=batch,
            masked_name="张*丰",
            masked_id_number=f"6209**********{i:04d}",
            disease_name="测试病种",
            district=districts[i % 7],
        )
        for i in range(ANNOUNCED)
    )
    json.dump(
        {
            "create_tokens": [access(user) for user in applicants],
            "list_token": access(lister),
            "detail": [str(app.pk) for app in listed[:8]],
            "queue_token": access(expert),
            "verify_code": "BENCH-TWIN-0001",
            "register": people,
            "pdf_drafts": [(access(u), str(a.pk)) for u, a in zip(uploaders, pdf_drafts, strict=True)],
            "precheck_token": access(checker),
            "precheck": [str(app.pk) for app in checked],
            "cases": [case.pk for case in cases],
            "batch": batch.pk,
            "holder_token": access(holder),
            "certificate": certificate.pk,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
