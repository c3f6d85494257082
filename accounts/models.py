"""The account: applicants carry their real name, ID number and phone; staff may leave them blank. ID
number and phone are stored encrypted, found again through their blind indexes (config/fields.py)."""

from __future__ import annotations

import uuid

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from config.fields import BlindIndexField, EncryptedCharField


class User(AbstractUser):
    """An account. Applicants carry their real name, ID number and phone; staff may leave them blank."""

    name = models.CharField("姓名", max_length=50, blank=True)
    id_number = EncryptedCharField("身份证号码", plain_max_length=18, blank=True, index="id_number_index")
    id_number_index = BlindIndexField(source="id_number", verbose_name="身份证号码索引")
    phone = EncryptedCharField("手机号码", plain_max_length=11, blank=True, index="phone_index")
    phone_index = BlindIndexField(source="phone", db_index=True, verbose_name="手机号码索引")
    # Raised by a password change or reset: every token issued before is refused (config/auth.py).
    session_version = models.PositiveIntegerField("登录会话版本", default=0, editable=False)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"],
                condition=~models.Q(id_number_index=""),
                name="unique_user_id_number",
            )
        ]

    def __str__(self) -> str:
        return self.username


class CodePurpose(models.TextChoices):
    REGISTER = "register", "注册账户"
    RESET = "reset", "找回密码"
    CHANGE_PHONE = "change_phone", "更换手机号"
    FAMILY = "family", "同意绑定亲情账户"


class SmsCode(models.Model):
    """A one-time code sent by SMS to prove the phone is the caller's (accounts/codes.py): only its
    keyed hash is kept, with its life, its tries and where it was asked from (for the rate limits)."""

    phone = EncryptedCharField("手机号码", plain_max_length=11, index="phone_index")
    phone_index = BlindIndexField(source="phone", db_index=True, verbose_name="手机号码索引")
    purpose = models.CharField("用途", max_length=20, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64, verbose_name="验证码摘要")
    created_at = models.DateTimeField("发送时间", auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    ip_address = models.GenericIPAddressField("请求地址", null=True, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="用户",
    )

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


def family_authorisation_upload_to(instance: FamilyLink, filename: str) -> str:
    return f"family-authorisations/{instance.owner_id}/{uuid.uuid4().hex}"


class FamilyLink(models.Model):
    """亲情账户: an account files and follows applications for a family member, once the member agreed
    with a code sent to their phone (accounts/family.py). The member stays the applicant."""

    class Status(models.TextChoices):
        PENDING = "pending", "待本人同意"
        AWAITING_OFFICER = "awaiting_officer", "待经办人员核实授权书"
        BOUND = "bound", "已绑定"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family_links", verbose_name="亲情账户"
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="family_of", verbose_name="家庭成员"
    )
    relationship = models.CharField("与账户本人关系", max_length=20)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField("申请绑定时间", auto_now_add=True)
    bound_at = models.DateTimeField("绑定时间", null=True, blank=True)
    # A member without a phone consents on paper: the signed authorisation (授权委托书), checked by an officer.
    authorisation = models.FileField("授权委托书", upload_to=family_authorisation_upload_to, max_length=200, blank=True)
    authorisation_name = models.CharField("授权书原文件名", max_length=255, blank=True)
    authorisation_content_type = models.CharField(max_length=50, blank=True, verbose_name="授权书文件类型")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="核实授权书的经办人员",
    )

    class Meta:
        verbose_name = "亲情账户绑定"
        verbose_name_plural = "亲情账户绑定"
        constraints = [models.UniqueConstraint(fields=["owner", "member"], name="unique_family_link")]

    def __str__(self) -> str:
        return f"{self.owner} → {self.relationship}（{self.get_status_display()}）"


class LoginLockout(AccessAttempt):
    """django-axes' record of failed logins for one username from one address, as officers see it
    (登录尝试): named by who and from where; deleting it unlocks that account on that device."""

    class Meta:
        proxy = True
        verbose_name = "登录尝试"
        verbose_name_plural = "登录尝试（删除即解锁）"

    def __str__(self) -> str:
        return f"{self.username or '未知用户'}（{self.ip_address or '未知地址'}）"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "正在导出"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    EXPIRED = "expired", "已过期删除"


class ExportJob(models.Model):
    """An Excel export of an admin list too long to make while the officer waits (config/export_jobs.py):
    the list as filtered on screen, written in the background to private storage, downloaded only by
    the person who asked, deleted after EXPORT_KEEP_HOURS."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs", verbose_name="申请人"
    )
    model = models.CharField("列表", max_length=100)  # app_label.model_name of the admin list
    query = models.CharField("筛选条件", max_length=2000, blank=True)  # the list's query string
    title = models.CharField("名称", max_length=100)
    status = models.CharField("状态", max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    rows_total = models.PositiveIntegerField("总行数", default=0)
    rows_done = models.PositiveIntegerField("已导出行数", default=0)
    file = models.CharField("文件", max_length=200, blank=True)  # its name in the private default storage
    error = models.CharField("失败原因", max_length=200, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "导出任务"
        verbose_name_plural = "我的导出任务"
        indexes = [models.Index(fields=["status", "finished_at"])]

    def __str__(self) -> str:
        # Local time (settings.TIME_ZONE), as the page's 申请时间: the database keeps UTC.
        return (
            f"{self.title}（{timezone.localtime(self.created_at):%Y-%m-%d %H:%M}）" if self.created_at else self.title
        )
