"""The twin's endpoints, one per measured path, each doing the least the path needs: JWT auth (simplejwt,
one user query), the row writes in one transaction, the answer built from the row written, and on submit
a real Celery publish (`send_task` to Redis, on commit; no worker consumes it). The later paths
(`bench/http_paths.py`): registration consumes a pre-issued SMS code (the project's keyed hash and tries)
and hashes the password with Django's default hasher, as the project does, answering the account's fields
(as the project does: no tokens); the PDF upload opens the file with pypdf; precheck reads the draft and
its document kinds; the case reads the assignment, its application, documents and events; the
announcement is paginated from its entries without any cache; the certificate PDF is drawn with
reportlab (text lines and a QR code, the built-in CID font, no font embedding, not signed)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from celery import Celery
from django.conf import settings
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader
from rest_framework import generics, permissions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from .models import (
    TwinApplication,
    TwinAssignment,
    TwinBatch,
    TwinCertificate,
    TwinDocument,
    TwinEntry,
    TwinEvent,
    TwinSmsCode,
)

celery_app = Celery("twin", broker=settings.CELERY_BROKER_URL)


class QueryCountMiddleware:
    """`X-Queries`: the SQL statements the request ran (the driver reads the twin's count from it)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = [0]

        def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            count[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Queries"] = str(count[0])
        return response


class CreateInput(serializers.Serializer):
    disease_code = serializers.CharField(max_length=16)
    diagnosis_date = serializers.DateField()
    diagnosing_hospital = serializers.CharField(max_length=20)
    designated_points = serializers.ListField(child=serializers.CharField(max_length=20), max_length=3, required=False)


class ApplicationOutput(serializers.ModelSerializer):
    class Meta:
        model = TwinApplication
        fields = [
            "id",
            "disease_code",
            "diagnosis_date",
            "hospital_code",
            "designated_points",
            "status",
            "created_at",
            "updated_at",
            "submitted_at",
        ]


class ApplicationListCreate(generics.ListAPIView):
    serializer_class = ApplicationOutput

    def get_queryset(self) -> Any:
        return TwinApplication.objects.filter(owner=self.request.user).order_by("-created_at")

    def post(self, request: Request) -> Response:
        data = CreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic():
            app = TwinApplication.objects.create(
                owner=request.user,
                disease_code=values["disease_code"],
                diagnosis_date=values["diagnosis_date"],
                hospital_code=values["diagnosing_hospital"],
                designated_points=values.get("designated_points") or [],
            )
            TwinEvent.objects.create(application=app, to_status="draft", actor=request.user)
        return Response(ApplicationOutput(app).data, status=status.HTTP_201_CREATED)


class ApplicationDetail(APIView):
    def get(self, request: Request, pk: str) -> Response:
        app = get_object_or_404(TwinApplication, pk=pk, owner=request.user)
        return Response(ApplicationOutput(app).data)


class ApplicationSubmit(APIView):
    def post(self, request: Request, pk: str) -> Response:
        with transaction.atomic():
            app = get_object_or_404(TwinApplication.objects.select_for_update(), pk=pk, owner=request.user)
            if app.status != "submitted":
                TwinEvent.objects.create(
                    application=app, from_status=app.status, to_status="submitted", actor=request.user
                )
                app.status, app.submitted_at = "submitted", timezone.now()
                app.save(update_fields=["status", "submitted_at", "updated_at"])
                transaction.on_commit(lambda: celery_app.send_task("twin.check", args=[str(app.pk)]))
        return Response(ApplicationOutput(app).data, status=status.HTTP_202_ACCEPTED)


class DocumentUpload(APIView):
    parser_classes = [MultiPartParser]

    def post(self, request: Request, pk: str) -> Response:
        app = get_object_or_404(TwinApplication.objects.only("id", "status"), pk=pk, owner=request.user)
        if app.status != "draft":
            return Response({"detail": "not editable"}, status=status.HTTP_409_CONFLICT)
        upload = request.FILES["file"]
        if upload.read(5) == b"%PDF-":  # a PDF: it opens, is not encrypted and has pages, as the project checks
            upload.seek(0)
            reader = PdfReader(upload, strict=False)
            if reader.is_encrypted or not len(reader.pages):
                return Response({"detail": "not a usable PDF"}, status=status.HTTP_400_BAD_REQUEST)
        else:
            upload.seek(0)
            Image.open(upload).verify()  # the content is an image (header and structure), as the project checks
        upload.seek(0)
        document = TwinDocument.objects.create(
            application=app, kind=request.POST.get("kind", ""), file=upload, size=upload.size
        )
        return Response(
            {"id": str(document.pk), "kind": document.kind, "size": document.size}, status=status.HTTP_201_CREATED
        )


class CertificateVerify(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "verify"

    def get(self, request: Request, code: str) -> Response:
        cert = TwinCertificate.objects.filter(code=code.upper()).first()
        if cert is None:
            return Response({"valid": False})
        return Response(
            {
                "valid": cert.status == "active",
                "status": cert.status,
                "holder": cert.holder_name[0] + "*" + cert.holder_name[-1:],
                "disease": cert.disease_name,
                "valid_from": cert.valid_from,
            }
        )


class QueueItem(serializers.ModelSerializer):
    reference = serializers.CharField(source="application.id")
    disease_code = serializers.CharField(source="application.disease_code")
    status = serializers.CharField(source="application.status")

    class Meta:
        model = TwinAssignment
        fields = ["id", "reference", "disease_code", "status", "assigned_at", "deadline"]


class ReviewQueue(generics.ListAPIView):
    serializer_class = QueueItem

    def get_queryset(self) -> Any:
        return (
            TwinAssignment.objects.filter(expert=self.request.user, decision="")
            .select_related("application")
            .order_by("deadline", "id")
        )


def code_hash(phone: str, code: str) -> str:
    """The keyed hash of a phone's register code (the twin keeps no code in clear, as the project)."""
    return hmac.new(str(settings.SECRET_KEY).encode(), f"register:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


class RegisterInput(serializers.Serializer):
    username = serializers.RegexField(r"^[A-Za-z0-9_.@+-]{3,150}$")
    password = serializers.CharField(max_length=128)
    name = serializers.CharField(max_length=40)
    id_number = serializers.RegexField(r"^[0-9]{17}[0-9X]$")
    phone = serializers.RegexField(r"^1[0-9]{10}$")
    sms_code = serializers.RegexField(r"^[0-9]{6}$")


class Register(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []

    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        now = timezone.now()
        with transaction.atomic():
            row = (
                TwinSmsCode.objects.select_for_update()
                .filter(phone=values["phone"], used_at__isnull=True, expires_at__gt=now)
                .order_by("-created_at")
                .first()
            )
            right = (
                row is not None
                and row.attempts < 5
                and hmac.compare_digest(row.code_hash, code_hash(values["phone"], values["sms_code"]))
            )
            if row is not None:
                row.used_at, row.attempts = (now, row.attempts) if right else (None, row.attempts + 1)
                row.save(update_fields=["used_at", "attempts"])
        if not right:
            return Response({"sms_code": ["wrong or expired"]}, status=status.HTTP_400_BAD_REQUEST)
        if User.objects.filter(username__iexact=values["username"]).exists():
            return Response({"username": ["taken"]}, status=status.HTTP_409_CONFLICT)
        user = User.objects.create_user(  # Django's default hasher (PBKDF2), the project's too
            values["username"],
            password=values["password"],
            first_name=values["name"],
            last_name=f"{values['id_number']} {values['phone']}",
        )
        shown = {"id": user.pk, "username": user.username, "name": values["name"], "phone": values["phone"]}
        return Response(shown, status=status.HTTP_201_CREATED)


REQUIRED_KINDS = ("id_card_front", "id_card_back", "diagnosis_certificate", "medical_record", "exam_report")


class Precheck(APIView):
    def post(self, request: Request, pk: str) -> Response:
        app = get_object_or_404(TwinApplication.objects.only("id", "status"), pk=pk, owner=request.user)
        if app.status != "draft":
            return Response({"detail": "not editable"}, status=status.HTTP_409_CONFLICT)
        kinds = set(TwinDocument.objects.filter(application=app).values_list("kind", flat=True))
        missing = [kind for kind in REQUIRED_KINDS if kind not in kinds]
        problems = [{"code": "document_missing", "field": f"documents.{kind}"} for kind in missing]
        return Response({"complete": not missing, "problems": problems})


class DocumentOutput(serializers.ModelSerializer):
    class Meta:
        model = TwinDocument
        fields = ["id", "kind", "size", "uploaded_at"]


class EventOutput(serializers.ModelSerializer):
    class Meta:
        model = TwinEvent
        fields = ["from_status", "to_status", "at"]


class CaseDetail(APIView):
    def get(self, request: Request, pk: int) -> Response:
        case = get_object_or_404(TwinAssignment.objects.select_related("application"), pk=pk, expert=request.user)
        app = case.application
        return Response(
            {
                "id": case.pk,
                "deadline": case.deadline,
                "decision": case.decision,
                "application": ApplicationOutput(app).data,
                "documents": DocumentOutput(app.documents.order_by("uploaded_at"), many=True).data,
                "events": EventOutput(app.events.order_by("at"), many=True).data,
            }
        )


class EntryOutput(serializers.ModelSerializer):
    class Meta:
        model = TwinEntry
        fields = ["id", "masked_name", "masked_id_number", "disease_name", "district"]


def _listed(batch: TwinBatch) -> Any:
    return TwinEntry.objects.filter(batch=batch, status="listed").order_by("id")


def _batch(pk: int) -> TwinBatch:
    return get_object_or_404(TwinBatch, pk=pk, published_on__lte=timezone.localdate())


class AnnouncementDetail(APIView):
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []

    def get(self, request: Request, pk: int) -> Response:
        batch = _batch(pk)
        paginator = PageNumberPagination()
        entries: Any = paginator.paginate_queryset(_listed(batch), request, view=self)
        assert paginator.page is not None
        return Response(
            {
                "id": batch.pk,
                "region_name": batch.region_name,
                "published_on": batch.published_on,
                "ends_on": batch.ends_on,
                "count": paginator.page.paginator.count,
                "next": paginator.get_next_link(),
                "previous": paginator.get_previous_link(),
                "entries": EntryOutput(entries, many=True).data,
            }
        )


def announcement_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A plain template page of 100 entries (no auth, no cache)."""
    batch = _batch(pk)
    page = Paginator(_listed(batch), 100).get_page(request.GET.get("page"))
    return render(request, "twin/announcement.html", {"batch": batch, "page": page})


class CertificatePdf(APIView):
    def get(self, request: Request, pk: int) -> HttpResponse:
        from .pdf import certificate_pdf

        cert = get_object_or_404(TwinCertificate, pk=pk, holder=request.user)
        response = HttpResponse(certificate_pdf(cert), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="certificate-{cert.code}.pdf"'
        return response
