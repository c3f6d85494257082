"""The later paths of `http_suite.py`: their data (project side), their in-process calls and their load
sources. The twin's side of each is in `bench/twin/` (views, `prepare.py`).

- `register`: `POST /auth/register/` needs a live SMS code of the phone. Asking for one per request
  (`/auth/sms-code/`, then reading the demo SMS log) would measure two requests and a log scan, so the
  codes are issued beforehand: one `SmsCode` row per phone (the project's own keyed hash of one known
  code, valid for a day), `REGISTER_CODES` phones, each registered once. Each registration hashes the
  password with the project's default hasher (PBKDF2), as the twin does with the same default.
- `upload_pdf`: a ~2 MB, 4-page PDF with a photo-like JPEG on each page (built once per run), uploaded
  to one of `PDF_DRAFTS` drafts of their own (the project's 50 MB quota per application: 25 each).
- `precheck`: `POST /applications/<id>/precheck/` on 8 drafts with two documents each.
- `case`: the expert's `GET /reviews/<id>/` of 8 assigned cases with three documents each.
- `announcement_api`, `announcement_page`: one batch published today with `ANNOUNCED` entries, its pages
  in turn (`/api/v1/announcements/<id>/?page=`, 50 a page; `/gongshi/<id>/?page=`, 100 a page). The
  project serves both from its Redis cache of public answers (`reviews/public_cache.py`) once a page
  has been rendered: after the first pass it measures cache hits. The twin renders every time.
- `certificate_pdf`: the holder's `GET /certificates/<id>/pdf/`. The project draws a one-page card
  (text lines, a QR code) with an embedded subset of its TTF font and signs it with pyHanko
  (`config/pdf/signing.py`); the twin draws the same kind of page with reportlab's built-in CID font and
  does not sign it: the signature is part of the project's cost, not of the twin's.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
from collections.abc import Callable
from typing import Any

from bench.http_load import Request, multipart

REGISTER_CODES = 300  # more than the project registers in 1 + 3 x 6 s (PBKDF2 bound: about one a second)
SMS_CODE = "246810"
PDF_DRAFTS = 120  # 3,000 uploads at 25 a draft: a quiet machine did 1,850 in 1 + 3 x 6 s (40 ran out)
ANNOUNCED = 1000
API_PAGES, HTML_PAGES = ANNOUNCED // 50, ANNOUNCED // 100
NEW_PATHS = ("register", "upload_pdf", "precheck", "certificate_pdf", "case", "announcement_api", "announcement_page")


@functools.cache
def pdf_scan() -> bytes:
    """A ~2 MB scan as a PDF: 4 pages, a different ~500 KB noise JPEG on each (stored as is, DCT)."""
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    sheet = canvas.Canvas(out, pagesize=A4)
    for page in range(4):
        image = Image.effect_noise((900, 700), 60 + page).convert("RGB")
        jpeg = io.BytesIO()
        image.save(jpeg, format="JPEG", quality=85)
        jpeg.seek(0)
        sheet.drawString(72, A4[1] - 60, f"bench scan, page {page + 1}")
        sheet.drawImage(ImageReader(jpeg), 40, 120, width=A4[0] - 80, height=(A4[0] - 80) * 7 / 9)
        sheet.showPage()
    sheet.save()
    return out.getvalue()


def register_body(person: dict[str, str], password: str) -> dict[str, str]:
    return {**person, "password": password, "sms_code": SMS_CODE, "name": "张三丰"}


# --- the project's data -----------------------------------------------------------------------------
def prepare_project(*, hospital: Any, diseases: list[Any], reviewer: Any, certified: Any) -> dict[str, Any]:
    """The rows of the later paths, written with the project's factories (and its code hash)."""
    from django.test import override_settings
    from django.utils import timezone

    from accounts.codes import _hash
    from accounts.models import CodePurpose, SmsCode, User
    from accounts.sessions import session_tokens
    from applications.models import Application, ApplicationStatus, DocumentKind
    from certification.models import Certification
    from reviews.models import AnnouncementEntry, ReviewAssignment
    from tests.factories import ApplicationFactory, DocumentFactory, UserFactory, make_id_number
    from tests.reviews.factories import AnnouncementBatchFactory, AnnouncementEntryFactory

    expires = timezone.now() + dt.timedelta(days=1)
    people = []
    for i in range(REGISTER_CODES):
        phone = f"137{i:08d}"
        SmsCode.objects.create(
            phone=phone,
            purpose=CodePurpose.REGISTER,
            code_hash=_hash(phone=phone, purpose=CodePurpose.REGISTER, code=SMS_CODE),
            expires_at=expires,
        )
        people.append({"username": f"bench_reg{i}", "phone": phone, "id_number": make_id_number()})
    kinds = [DocumentKind.ID_CARD_FRONT, DocumentKind.ID_CARD_BACK, DocumentKind.DIAGNOSIS_CERTIFICATE]
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        uploaders: list[Any] = [UserFactory() for _ in range(PDF_DRAFTS)]
        pdf_drafts: list[Any] = [
            ApplicationFactory(applicant=u, disease=diseases[0], diagnosing_hospital=hospital) for u in uploaders
        ]
        checker: Any = UserFactory()
        checked: list[Any] = [
            ApplicationFactory(applicant=checker, disease=d, diagnosing_hospital=hospital) for d in diseases[:8]
        ]
        for app in checked:
            for kind in kinds[:2]:
                DocumentFactory(application=app, kind=kind)
        cases = list(ReviewAssignment.objects.filter(expert=reviewer).order_by("id")[:8])
        for case in cases:
            for kind in kinds:
                DocumentFactory(application=case.application, kind=kind)
        # Built by the factories, written in bulk (one at a time took 40 s of the run).
        batch: Any = AnnouncementBatchFactory()
        people_shown = User.objects.bulk_create(UserFactory.build_batch(ANNOUNCED))
        shown = Application.objects.bulk_create(
            ApplicationFactory.build(
                applicant=u, status=ApplicationStatus.IN_ANNOUNCEMENT, disease=diseases[1], diagnosing_hospital=hospital
            )
            for u in people_shown
        )
        AnnouncementEntry.objects.bulk_create(AnnouncementEntryFactory.build(batch=batch, application=a) for a in shown)
    return {
        "register": people,
        "pdf_drafts": [
            (session_tokens(user=u)["access"], str(a.pk)) for u, a in zip(uploaders, pdf_drafts, strict=True)
        ],
        "precheck_token": session_tokens(user=checker)["access"],
        "precheck": [str(app.pk) for app in checked],
        "cases": [case.pk for case in cases],
        "batch": batch.pk,
        "holder_token": session_tokens(user=certified.applicant)["access"],
        "certificate": str(Certification.objects.get(application=certified).pk),
    }


def calls(data: dict[str, Any], client: Callable[..., Any], password: str) -> dict[str, Callable[[int], Any]]:
    """One in-process request per path (n: 0 the warm-up, 1 the measured one)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def upload_pdf(n: int) -> Any:
        token, app = data["pdf_drafts"][n]
        file = SimpleUploadedFile("scan.pdf", pdf_scan(), "application/pdf")
        return client(token).post(
            f"/api/v1/applications/{app}/documents/", {"kind": "medical_record", "file": file}, format="multipart"
        )

    def register(n: int) -> Any:
        body = register_body(data["register"].pop(0), password)
        return client().post("/api/v1/auth/register/", body, format="json")

    def precheck(n: int) -> Any:
        app = data["precheck"][n]
        return client(data["precheck_token"]).post(f"/api/v1/applications/{app}/precheck/")

    return {
        "register": register,
        "upload_pdf": upload_pdf,
        "precheck": precheck,
        "certificate_pdf": lambda n: client(data["holder_token"]).get(
            f"/api/v1/certificates/{data['certificate']}/pdf/"
        ),
        "case": lambda n: client(data["queue_token"]).get(f"/api/v1/reviews/{data['cases'][n]}/"),
        "announcement_api": lambda n: client().get(f"/api/v1/announcements/{data['batch']}/?page={n + 1}"),
        "announcement_page": lambda n: client().get(f"/gongshi/{data['batch']}/?page={n + 1}", HTTP_ACCEPT="text/html"),
    }


# --- the load sources, the same for both servers ----------------------------------------------------
class Sources:
    """The request sources of the later paths for one server (`data`: the project's or the twin's)."""

    def __init__(self, data: dict[str, Any], password: str) -> None:
        self.data, self.password = data, password
        self.pdf_body, self.pdf_type = multipart(
            {"kind": "medical_record"}, "file", "scan.pdf", pdf_scan(), "application/pdf"
        )
        self.offsets = dict.fromkeys(NEW_PATHS, 0)

    def _next(self, path: str) -> int:
        self.offsets[path] += 1
        return self.offsets[path] - 1

    def source(self, path: str, auth: Callable[..., dict[str, str]]) -> Callable[[int], Request | None]:
        data, json_type = self.data, {"Content-Type": "application/json"}

        def register(n: int) -> Request | None:
            i = self._next("register")  # each phone's code once: a used code is refused
            if i >= len(data["register"]):
                return None
            body = json.dumps(register_body(data["register"][i], self.password)).encode()
            return "POST", "/api/v1/auth/register/", body, json_type

        def upload_pdf(n: int) -> Request:
            token, app = data["pdf_drafts"][self._next("upload_pdf") % len(data["pdf_drafts"])]
            headers = auth(token, **{"Content-Type": self.pdf_type})
            return "POST", f"/api/v1/applications/{app}/documents/", self.pdf_body, headers

        def precheck(n: int) -> Request:
            app = data["precheck"][n % len(data["precheck"])]
            return "POST", f"/api/v1/applications/{app}/precheck/", None, auth(data["precheck_token"])

        def case(n: int) -> Request:
            return "GET", f"/api/v1/reviews/{data['cases'][n % len(data['cases'])]}/", None, auth(data["queue_token"])

        def page(n: int, prefix: str, pages: int, headers: dict[str, str]) -> Request:
            return "GET", f"{prefix}{data['batch']}/?page={n % pages + 1}", None, headers

        sources: dict[str, Callable[[int], Request | None]] = {
            "register": register,
            "upload_pdf": upload_pdf,
            "precheck": precheck,
            "certificate_pdf": lambda n: (
                "GET",
                f"/api/v1/certificates/{data['certificate']}/pdf/",
                None,
                auth(data["holder_token"]),
            ),
            "case": case,
            "announcement_api": lambda n: page(n, "/api/v1/announcements/", API_PAGES, {}),
            "announcement_page": lambda n: page(n, "/gongshi/", HTML_PAGES, {"Accept": "text/html"}),
        }
        return sources[path]
