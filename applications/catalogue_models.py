"""The catalogue and the registries an application refers to: diseases and their categories, medical
institutions, the insured-person registry. Data loaded by the importers and edited in the admin; part
of the kernel, re-exported by `applications.models`."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from config.fields import BlindIndexField, EncryptedCharField


class InsuranceType(models.TextChoices):
    EMPLOYEE = "employee", "职工医保"
    RESIDENT = "resident", "居民医保"
    FLEXIBLE = "flexible", "灵活就业"


class InsuredStatus(models.TextChoices):
    ACTIVE = "active", "正常参保"
    SUSPENDED = "suspended", "暂停参保"
    TERMINATED = "terminated", "终止参保"


# Records older than ten years never count: a bound that keeps the catalogue data sane.
MAX_RECORD_AGE_DAYS = 3650


class PublicationLevel(models.TextChoices):
    """How a disease appears in the public announcement (公示)."""

    NAME = "name", "公示病种名称"
    CATEGORY = "category", "仅公示病种类别"
    NONE = "none", "不公示病种（仅列“门诊慢特病”，不列身份证号和区县）"


class DiseaseCategory(models.Model):
    code = models.SlugField("类别代码", max_length=40, unique=True)
    name = models.CharField("类别名称", max_length=50)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    history = HistoricalRecords(verbose_name="病种类别修改记录", verbose_name_plural="病种类别修改记录")

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "病种类别"
        verbose_name_plural = "病种类别"

    def __str__(self) -> str:
        return self.name


class Disease(models.Model):
    """One outpatient special/chronic disease of the region's catalogue. Data, edited in the admin."""

    code = models.CharField(
        "病种代码", max_length=20, unique=True, help_text="与国家医保信息平台的门诊慢特病病种代码一致"
    )
    name = models.CharField("病种名称", max_length=100)
    category = models.ForeignKey(
        DiseaseCategory, on_delete=models.PROTECT, related_name="diseases", verbose_name="类别"
    )
    evidence = models.JSONField(
        "认定材料规则",
        help_text=(
            '文书种类的 AND/OR 树，例如 {"all": ["diagnosis_certificate", '
            '{"any": ["pathology_report", "imaging_report"]}]}'
        ),
    )
    record_max_age_days = models.PositiveIntegerField(
        "病历有效期(天)", default=365, validators=[MinValueValidator(1), MaxValueValidator(MAX_RECORD_AGE_DAYS)]
    )
    requires_hospital_appraisal = models.BooleanField("需定点医院鉴定意见", default=False)
    requires_annual_reexam = models.BooleanField("年度复核需复查材料", default=False)
    requires_stamped_form = models.BooleanField(
        "申请表须医院盖章", default=False, help_text="勾选后，在线确认的申请表不能代替经医疗机构医保办盖章的申请表。"
    )
    reexam_evidence = models.JSONField("复查材料规则", null=True, blank=True)
    employee_ratio = models.DecimalField(
        "职工报销比例",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    employee_annual_limit = models.PositiveIntegerField("职工年度限额(元)", default=10000)
    resident_ratio = models.DecimalField(
        "居民报销比例",
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.60"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    resident_annual_limit = models.PositiveIntegerField("居民年度限额(元)", default=6000)
    is_active = models.BooleanField("可申请", default=True)
    notes = models.TextField("认定要点", blank=True)
    benefit_months = models.PositiveSmallIntegerField(
        "待遇期（月）",
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
        help_text="认定生效后享受待遇的期限；期间每年复核一次。长期慢性病一般60个月，阶段性治疗一般24个月。",
    )
    publication = models.CharField(
        "公示方式",
        max_length=10,
        choices=PublicationLevel.choices,
        default=PublicationLevel.NAME,
        help_text="艾滋病、精神障碍等病种不得以能识别患者的方式公开（《艾滋病防治条例》第三十九条、《精神卫生法》第四条）。"
        "修改后，已公示名单随之更新。",
    )
    # Who changed the evidence, ratios, limits or publication, when, and from what (admin 历史记录).
    history = HistoricalRecords(verbose_name="病种修改记录", verbose_name_plural="病种修改记录")

    class Meta:
        ordering = ["category__sort_order", "code"]
        verbose_name = "病种"
        verbose_name_plural = "病种目录"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Hospital(models.Model):
    class Level(models.IntegerChoices):
        LEVEL_1 = 1, "一级"
        LEVEL_2 = 2, "二级"
        LEVEL_3 = 3, "三级"

    code = models.CharField("机构编码", max_length=30, unique=True)
    name = models.CharField("机构名称", max_length=100)
    level = models.PositiveSmallIntegerField("等级", choices=Level.choices)
    region_code = models.CharField("行政区划代码", max_length=6)
    is_designated = models.BooleanField("定点医疗机构", default=True)
    can_appraise = models.BooleanField("可出具鉴定意见", default=False)
    history = HistoricalRecords(verbose_name="医疗机构修改记录", verbose_name_plural="医疗机构修改记录")

    class Meta:
        ordering = ["code"]
        verbose_name = "医疗机构"
        verbose_name_plural = "医疗机构"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()})"


class InsuredPerson(models.Model):
    """The insured-person registry, loaded with `import_insured`."""

    id_number = EncryptedCharField("身份证号码", plain_max_length=18, index="id_number_index")
    id_number_index = BlindIndexField(source="id_number", unique=True, verbose_name="身份证号码索引")
    name = models.CharField("姓名", max_length=50)
    insurance_type = models.CharField("参保类型", max_length=10, choices=InsuranceType.choices)
    region_code = models.CharField("参保地区划代码", max_length=6, db_index=True)
    insured_since = models.DateField("参保起始日期")
    status = models.CharField("参保状态", max_length=12, choices=InsuredStatus.choices)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "参保人员"
        verbose_name_plural = "参保人员登记"

    def __str__(self) -> str:
        from accounts.identity import mask_id_number, mask_name

        return f"{mask_name(self.name)} {mask_id_number(self.id_number)}"
