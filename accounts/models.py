"""The account: applicants carry their real name, ID number and phone; staff may leave them blank."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """An account. Applicants carry their real name, ID number and phone; staff may leave them blank."""

    name = models.CharField("姓名", max_length=50, blank=True)
    id_number = models.CharField("身份证号码", max_length=18, blank=True)
    phone = models.CharField("手机号码", max_length=11, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~models.Q(id_number=""),
                name="unique_user_id_number",
            )
        ]

    def __str__(self) -> str:
        return self.username
