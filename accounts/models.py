"""The account: applicants carry their real name, ID number and phone; staff may leave them blank. ID
number and phone are stored encrypted, found again through their blind indexes (config/fields.py)."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from config.fields import BlindIndexField, EncryptedCharField


class User(AbstractUser):
    """An account. Applicants carry their real name, ID number and phone; staff may leave them blank."""

    name = models.CharField("姓名", max_length=50, blank=True)
    id_number = EncryptedCharField("身份证号码", plain_max_length=18, blank=True, index="id_number_index")
    id_number_index = BlindIndexField(source="id_number")
    phone = EncryptedCharField("手机号码", plain_max_length=11, blank=True, index="phone_index")
    phone_index = BlindIndexField(source="phone", db_index=True)

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
