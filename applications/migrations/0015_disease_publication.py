"""How each disease appears in the public announcement: by name (default), by category only, or not at
all. The shipped catalogue's AIDS and mental disorders are not shown; hepatitis B/C and active
tuberculosis by category. Entries already published for them are rewritten the same way."""

from django.db import migrations, models

NOT_SHOWN = {"codes": ["M00300"], "categories": ["mental"]}
CATEGORY_ONLY = ["M00105", "M00201", "M00202"]
GENERIC_DISEASE_LABEL = "门诊慢特病"


def levels_and_entries(apps, schema_editor):  # type: ignore[no-untyped-def]
    Disease = apps.get_model("applications", "Disease")
    AnnouncementEntry = apps.get_model("reviews", "AnnouncementEntry")
    hidden = Disease.objects.filter(
        models.Q(code__in=NOT_SHOWN["codes"]) | models.Q(category__code__in=NOT_SHOWN["categories"])
    )
    hidden.update(publication="none")
    Disease.objects.filter(code__in=CATEGORY_ONLY).update(publication="category")
    AnnouncementEntry.objects.filter(application__disease__publication="none").update(
        masked_id_number="", disease_name=GENERIC_DISEASE_LABEL, district=""
    )
    for disease in Disease.objects.filter(publication="category").select_related("category"):
        AnnouncementEntry.objects.filter(application__disease=disease).update(disease_name=disease.category.name)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0014_encrypt_registry_and_agent"),
        ("reviews", "0007_encrypt_objection_phone"),
    ]

    operations = [
        migrations.AddField(
            model_name="disease",
            name="publication",
            field=models.CharField(
                choices=[
                    ("name", "公示病种名称"),
                    ("category", "仅公示病种类别"),
                    ("none", "不公示病种（仅列“门诊慢特病”，不列身份证号和区县）"),
                ],
                default="name",
                help_text="艾滋病、精神障碍等病种不得以能识别患者的方式公开（《艾滋病防治条例》第三十九条、《精神卫生法》第四条）。"
                "修改后，已公示名单随之更新。",
                max_length=10,
                verbose_name="公示方式",
            ),
        ),
        migrations.RunPython(levels_and_entries, migrations.RunPython.noop),
    ]
