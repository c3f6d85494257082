"""The twin's own tables: one row per application, its events, documents, certificates, review work, SMS
codes and announcement entries.
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
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True)
    code = models.CharField(max_length=24, unique=True)
    holder_name = models.CharField(max_length=40)
    disease_name = models.CharField(max_length=60)
    status = models.CharField(max_length=20, default="active")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True)


class TwinAssignment(models.Model):  # noqa: DJ008 - never shown
    objects: "models.Manager[TwinAssignment]" = models.Manager()
    application = models.ForeignKey(TwinApplication, on_delete=models.CASCADE, related_name="+")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateField()
    decision = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["expert", "deadline"])]


class TwinSmsCode(models.Model):  # noqa: DJ008 - never shown
    """A one-time code of a phone: only its keyed hash, its life and its tries (as the project keeps it)."""

    objects: "models.Manager[TwinSmsCode]" = models.Manager()
    phone = models.CharField(max_length=11, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True)


class TwinBatch(models.Model):  # noqa: DJ008 - never shown
    objects: "models.Manager[TwinBatch]" = models.Manager()
    region_name = models.CharField(max_length=40)
    published_on = models.DateField()
    ends_on = models.DateField()


class TwinEntry(models.Model):  # noqa: DJ008 - never shown
    objects: "models.Manager[TwinEntry]" = models.Manager()
    batch = models.ForeignKey(TwinBatch, on_delete=models.CASCADE, related_name="entries")
    masked_name = models.CharField(max_length=20)
    masked_id_number = models.CharField(max_length=18)
    disease_name = models.CharField(max_length=60)
    district = models.CharField(max_length=20)
    status = models.CharField(max_length=20, default="listed")

    class Meta:
        indexes = [models.Index(fields=["batch", "status", "id"])]
