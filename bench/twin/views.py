"""The twin's endpoints, one per measured path, each doing the least the path needs: JWT auth (simplejwt,
one user query), the row writes in one transaction, the answer built from the row written, and on submit
a real Celery publish (`send_task` to Redis, on commit; no worker consumes it)."""

from __future__ import annotations

from typing import Any

from celery import Celery
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from PIL import Image
from rest_framework import generics, permissions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from .models import TwinApplication, TwinAssignment, TwinCertificate, TwinDocument, TwinEvent

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
