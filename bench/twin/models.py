"""The twin's own tables: one row per application, its events, documents, certificates and review work.
Created with `migrate --run-syncdb` (the app has no migrations)."""

import uuid

from django.conf import settings
from django.db import models


class TwinApplication(models.Model):  # noqa: DJ008 - never shown
    objects: "models.Manager[TwinApplication]" = models.Manager()
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    disease_code = models.CharField(max_length=16)
    diagnosis_date = models.DateField()
    hospital_code = models.CharField(max_length=20)
    designated_points = models.JSONField(default=list)
    status = models.CharField(max_length=20, default="draft")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"])]


class TwinEvent(models.Model):  # noqa: DJ008 - never shown
    objects: "models.Manager[TwinEvent]" = models.Manager()
    application = models.ForeignKey(TwinApplication, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)


class TwinDocument(models.Model):  # noqa: DJ008 - never shown
    objects: "models.Manager[TwinDocument]" = models.Manager()
    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    application = models.ForeignKey(TwinApplication, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=40)
    file = models.FileField(upload_to="twin/%Y/%m/")
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)


class TwinCertificate(models.Model):  # noqa: DJ008 - never shown
    objects: "models.Manager[TwinCertificate]" = models.Manager()
    code = models.CharField(max_length=24, unique=True)
    holder_name = models.CharField(max_length=40)
    disease_name = models.CharField(max_length=60)
    status = models.CharField(max_length=20, default="active")
    valid_from = models.DateField()


class TwinAssignment(models.Model):  # noqa: DJ008 - never shown
    objects: "models.Manager[TwinAssignment]" = models.Manager()
    application = models.ForeignKey(TwinApplication, on_delete=models.CASCADE, related_name="+")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateField()
    decision = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expert", "deadline"])]
