"""Builders for the after-approval tests (annual review, appeal, change applications, remote filings).

Everything a test needs to reach a state is done through the real services (or the API) so that the
state is one the product can really be in; only the starting certification is issued directly.
"""

from __future__ import annotations

import datetime as dt
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from applications.models import Application, ApplicationStatus, Disease, Hospital, InsuranceType
from certification.models import Certification
from certification.services import certification_issue
from notifications.channels import LocMemSmsBackend
from notifications.models import Notification
from reviews.announcements import announcement_close, announcement_publish
from tests.factories import ApplicationFactory, DiseaseFactory, HospitalFactory, InsuredPersonFactory, UserFactory
from tests.reviews.review_helpers import BASE_KINDS, at
from tests.samples import pdf_bytes, png_bytes

__all__ = ["at"]

API = "/api/v1"
GRACE_DAYS = 30  # settings.REVIEW_GRACE_DAYS default


def holder(**fields) -> User:
    """An applicant account that is insured, employee type, in the pooling region."""
    user = UserFactory(**fields)
    InsuredPersonFactory(id_number=user.id_number, name=user.name, insurance_type=InsuranceType.EMPLOYEE)
    return user


def certified(
    user: User,
    *,
    disease: Disease | None = None,
    due: dt.date | None = None,
    on: dt.date = dt.date(2026, 1, 5),
    hospital: Hospital | None = None,
    application_fields: dict | None = None,
    **changes,
) -> Certification:
    """An effective application of `user` for `disease` (with the `application_fields` given) and the
    certification it was issued on `on`.

    With `due`, the next review falls on `due` and the certificate is valid through the grace period."""
    with at(on):
        application = ApplicationFactory(
            applicant=user,
            status=ApplicationStatus.EFFECTIVE,
            disease=disease or DiseaseFactory(),
            diagnosis_date=on - dt.timedelta(days=60),
            diagnosing_hospital=hospital or HospitalFactory(level=3),
            submitted_at=timezone.now() - dt.timedelta(days=30),
            **(application_fields or {}),
        )
        certification = certification_issue(application=application, on=on)
    if due is not None:
        changes.setdefault("next_review_due", due)
        changes.setdefault("valid_until", due + dt.timedelta(days=GRACE_DAYS))
    if changes:
        Certification.objects.filter(pk=certification.pk).update(**changes)
        certification.refresh_from_db()
    return certification


def client_for(user: User) -> APIClient:
    """An API client signed in as `user`. Not a bearer token: tokens expire, and these tests travel
    months ahead (the token flow itself is tested in tests/accounts)."""
    client = APIClient()
    client.force_authenticate(user)
    return client


def upload(
    client: APIClient,
    application_id: object,
    kind: str,
    *,
    content: bytes | None = None,
    name: str | None = None,
    **extra,
):
    """POST one document; the caller asserts on the response."""
    if content is None:
        # Distinct bytes per kind: identical files would be flagged as duplicates of each other.
        content = png_bytes(color=f"#{zlib.crc32(kind.encode()) % 0xFFFFFF:06x}")
    name = name or f"{kind}.png"
    content_type = "application/pdf" if name.endswith(".pdf") else "image/png"
    data = {"kind": kind, "file": SimpleUploadedFile(name, content, content_type=content_type), **extra}
    return client.post(f"{API}/applications/{application_id}/documents/", data, format="multipart")


def upload_ok(client: APIClient, application_id: object, kind: str, **extra) -> dict:
    response = upload(client, application_id, kind, **extra)
    assert response.status_code == 201, response.content
    return response.json()


def upload_base(client: APIClient, application_id: object) -> None:
    """The four documents every application needs."""
    for kind in BASE_KINDS:
        upload_ok(client, application_id, kind)


def upload_medical(
    client: APIClient, application_id: object, kind: str, *, issued_on: dt.date, hospital: Hospital
) -> dict:
    return upload_ok(
        client,
        application_id,
        kind,
        content=pdf_bytes(pages=1 + len(kind) % 3),
        name=f"{kind}.pdf",
        issued_on=issued_on.isoformat(),
        hospital=hospital.code,
    )


def submit(client: APIClient, application_id: object, capture) -> dict:
    """Submit; the completeness check is queued on commit and runs eagerly. Returns the fresh detail."""
    with capture(execute=True):
        response = client.post(f"{API}/applications/{application_id}/submit/")
    assert response.status_code == 202, response.content
    detail = client.get(f"{API}/applications/{application_id}/")
    assert detail.status_code == 200
    return detail.json()


def error(response) -> dict:
    """The first entry of the problem body's `errors` (or the body itself when it names none)."""
    body = response.json()
    assert body["status"] == response.status_code
    return body["errors"][0] if body.get("errors") else body


def through_announcement(application: Application, *, on: dt.date) -> Application:
    """An approved application published on `on` and closed the day after its period ends."""
    with at(on):
        (batch,) = announcement_publish(on=on)
    close_on = batch.ends_on + dt.timedelta(days=1)
    with at(close_on):
        announcement_close(on=close_on)
    application.refresh_from_db()
    return application


def notifications(user: User, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=kind).order_by("created_at", "id"))


def reminder_stages(certification: Certification) -> list[str]:
    """The reminder stages (d30, d7, d0) sent for a certification, in the order they were sent."""
    keys = Notification.objects.filter(
        user_id=certification.holder_id,
        kind="annual_review_reminder",
        dedupe_key__startswith=f"annual-reminder:{certification.pk}:",
    ).order_by("created_at", "id")
    return [key.rsplit(":", 1)[-1] for key in keys.values_list("dedupe_key", flat=True)]


def sms_to(user: User) -> list[str]:
    return [text for phone, text in LocMemSmsBackend.outbox if phone == user.phone]


# --- remote filings --------------------------------------------------------------------------------

REMOTE_FILED_ON = dt.date(2026, 12, 3)  # a Thursday


def proof_png(name: str = "居住证.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def remote_file(client: APIClient, *, on: dt.date = REMOTE_FILED_ON, **fields: object):  # type: ignore[no-untyped-def]
    """POST a remote filing (temporary to 兰州市城关区 from `on`, unless the fields say otherwise)."""
    data = {"type": "temporary", "place": "兰州市城关区", "start_date": on.isoformat(), **fields}
    with at(on):
        return client.post(f"{API}/remote-filings/", data, format="multipart")


def remote_long_term(client: APIClient, *, on: dt.date = REMOTE_FILED_ON, **fields: object) -> dict:
    """A long-term filing with a proof of residence, accepted (201)."""
    response = remote_file(client, on=on, type="long_term", proof=proof_png(), **fields)
    assert response.status_code == 201, response.content
    return response.json()
