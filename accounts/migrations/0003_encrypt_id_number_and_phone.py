"""ID numbers and phones of accounts stored encrypted, with blind indexes for look-ups (config/crypto.py).

Widen the columns for the tokens, add the index columns, encrypt every row (config.encryption_migrations),
then declare the encrypted fields and move the uniqueness of ID numbers onto their index."""

from django.db import migrations, models

import config.fields
from config.encryption_migrations import encrypt_columns


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_login_lockout_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="user", name="unique_user_id_number"),
        migrations.AlterField(
            model_name="user",
            name="id_number",
            field=models.CharField(blank=True, max_length=200, verbose_name="身份证号码"),
        ),
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=models.CharField(blank=True, max_length=200, verbose_name="手机号码"),
        ),
        migrations.AddField(
            model_name="user", name="id_number_index", field=config.fields.BlindIndexField(source="id_number")
        ),
        migrations.AddField(
            model_name="user", name="phone_index", field=config.fields.BlindIndexField(db_index=True, source="phone")
        ),
        encrypt_columns("accounts_user", {"id_number": "id_number_index", "phone": "phone_index"}),
        migrations.AlterField(
            model_name="user",
            name="id_number",
            field=config.fields.EncryptedCharField(
                blank=True, index="id_number_index", plain_max_length=18, verbose_name="身份证号码"
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="phone",
            field=config.fields.EncryptedCharField(
                blank=True, index="phone_index", plain_max_length=11, verbose_name="手机号码"
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                condition=models.Q(("id_number_index", ""), _negated=True),
                fields=("id_number_index",),
                name="unique_user_id_number",
            ),
        ),
    ]
