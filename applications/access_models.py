"""Who looked at whom (PIPL art. 51): every read of a private record (`DocumentAccess`) and every search
for a person by ID number, phone or name (`PersonSearch`). Written by `applications.access` and
`applications.person_search` only; re-exported by `applications.models`."""

from __future__ import annotations

import functools
import operator

from django.conf import settings
from django.db import models
from django.utils import timezone

from config.fields import BlindIndexField, EncryptedCharField


class ReaderRole(models.TextChoices):
    """In which role someone read a private file (the access log)."""

    OWNER = "owner", "申请人本人"
    OFFICER = "officer", "经办人员"
    EXPERT = "expert", "评审专家"
    FAMILY = "family", "亲情账户"
    DESK = "desk", "医院医保办或经办窗口"


ACCESS_SUBJECTS = ("document", "remote_filing", "family_link", "application")


def _one_of(fields: tuple[str, ...]) -> models.Q:
    """Exactly one of these foreign keys is set."""
    choices = [models.Q(**{f"{name}__isnull": name != chosen for name in fields}) for chosen in fields]
    return functools.reduce(operator.or_, choices)


class DocumentAccess(models.Model):
    """Who read which private record when (PIPL art. 51: medical data is sensitive): an application's
    document, the proof of a remote-care filing, a family member's signed authorisation, or an
    application's record itself (a desk's case pages, an officer's view of the applicant unmasked)."""

    document = models.ForeignKey(
        "applications.Document",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="accesses",
        verbose_name="材料",
    )
    # A read of the application's record itself (the case page, not a file).
    application = models.ForeignKey(
        "applications.Application",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="record_reads",
        verbose_name="申请记录",
    )
    family_link = models.ForeignKey(
        "accounts.FamilyLink",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="authorisation_reads",
        verbose_name="亲情账户授权书",
    )
    remote_filing = models.ForeignKey(
        "certification.RemoteFiling",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="proof_accesses",
        verbose_name="异地备案",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="查阅人"
    )
    role = models.CharField("身份", max_length=20, choices=ReaderRole.choices)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=200, blank=True)

    class Meta:
        app_label = "applications"
        ordering = ["-at"]
        verbose_name = "材料查阅记录"
        verbose_name_plural = "材料查阅记录"
        constraints = [models.CheckConstraint(condition=_one_of(ACCESS_SUBJECTS), name="document_access_one_subject")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.get_role_display()}"


class SearchKind(models.TextChoices):
    ID_NUMBER = "id_number", "身份证号码"
    PHONE = "phone", "手机号码"
    NAME = "name", "姓名"


class PersonSearch(models.Model):
    """A staff member searched a list for a person by ID number, phone or name: who, when, where, what
    (kept encrypted, found again by its blind index: "who looked this person up?") and how many records
    answered."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="查询人"
    )
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    where = models.CharField("查询位置", max_length=50)
    kind = models.CharField("查询方式", max_length=10, choices=SearchKind.choices)
    term = EncryptedCharField("查询内容", plain_max_length=50, index="term_index")
    term_index = BlindIndexField(source="term", db_index=True, verbose_name="查询内容索引")
    results = models.PositiveIntegerField("查到的记录数")
    ip_address = models.GenericIPAddressField("IP 地址", null=True, blank=True)

    class Meta:
        app_label = "applications"
        ordering = ["-at"]
        verbose_name = "人员查询记录"
        verbose_name_plural = "人员查询记录"

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.where} {self.get_kind_display()}"
