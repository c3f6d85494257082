"""The objector's phone stored encrypted (config/crypto.py); it is never looked up, so it has no index."""

from django.db import migrations, models

import config.fields
from config.encryption_migrations import encrypt_columns


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0006_open_work_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="objection",
            name="contact_phone",
            field=models.CharField(max_length=200, verbose_name="联系电话"),
        ),
        encrypt_columns("reviews_objection", {"contact_phone": None}),
        migrations.AlterField(
            model_name="objection",
            name="contact_phone",
            field=config.fields.EncryptedCharField(plain_max_length=11, verbose_name="联系电话"),
        ),
    ]
