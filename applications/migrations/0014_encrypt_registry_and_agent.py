"""ID numbers of the insured registry and the agents' ID numbers and phones stored encrypted, with blind
indexes where they are looked up (config/crypto.py): widen, add the index columns, encrypt every row,
then declare the encrypted fields; the registry's uniqueness moves onto the index."""

from django.db import migrations, models

import config.fields
from config.encryption_migrations import encrypt_columns


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0013_job_tasks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="insuredperson",
            name="id_number",
            field=models.CharField(max_length=200, verbose_name="身份证号码"),
        ),
        migrations.AlterField(
            model_name="application",
            name="agent_id_number",
            field=models.CharField(blank=True, max_length=200, verbose_name="代办人身份证号码"),
        ),
        migrations.AlterField(
            model_name="application",
            name="agent_phone",
            field=models.CharField(blank=True, max_length=200, verbose_name="代办人手机号码"),
        ),
        migrations.AddField(
            model_name="insuredperson", name="id_number_index", field=config.fields.BlindIndexField(source="id_number")
        ),
        migrations.AddField(
            model_name="application",
            name="agent_id_number_index",
            field=config.fields.BlindIndexField(db_index=True, source="agent_id_number"),
        ),
        encrypt_columns("applications_insuredperson", {"id_number": "id_number_index"}),
        encrypt_columns(
            "applications_application", {"agent_id_number": "agent_id_number_index", "agent_phone": None}
        ),
        migrations.AlterField(
            model_name="insuredperson",
            name="id_number_index",
            field=config.fields.BlindIndexField(source="id_number", unique=True),
        ),
        migrations.AlterField(
            model_name="insuredperson",
            name="id_number",
            field=config.fields.EncryptedCharField(
                index="id_number_index", plain_max_length=18, verbose_name="身份证号码"
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="agent_id_number",
            field=config.fields.EncryptedCharField(
                blank=True, index="agent_id_number_index", plain_max_length=18, verbose_name="代办人身份证号码"
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="agent_phone",
            field=config.fields.EncryptedCharField(blank=True, plain_max_length=11, verbose_name="代办人手机号码"),
        ),
    ]
