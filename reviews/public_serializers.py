"""Input and output of the public announcement API. Outputs carry de-identified columns only."""

from __future__ import annotations

from rest_framework import serializers

from accounts.serializers import MobileField
from config.api.serializers import OutputModelSerializer
from reviews.models import AnnouncementBatch, AnnouncementEntry, Objection, ObjectionStatus

REASON_MAX_LENGTH = 1000


class AnnouncementEntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="masked_name", help_text="脱敏姓名，如 张*明、李*")
    id_number = serializers.CharField(
        source="masked_id_number",
        help_text="脱敏身份证号码，如 6209**********123X；不公示病种的条目为空",
    )
    disease = serializers.CharField(
        source="disease_name",
        help_text="认定病种：按病种目录的公示方式，为病种名称、病种类别，或“门诊慢特病”（不公示病种）",
    )
    district = serializers.CharField(help_text="参保所在区县；不公示病种的条目为空")


class AnnouncementBatchOutput(serializers.Serializer):
    id = serializers.IntegerField()
    region = serializers.CharField(source="region_name", help_text="统筹区名称，如 酒泉市")
    region_code = serializers.CharField(help_text="统筹区行政区划代码")
    published_on = serializers.DateField(help_text="公示开始日期")
    ends_on = serializers.DateField(help_text="公示截止日期（含当日）")
    entry_count = serializers.IntegerField(help_text="公示人数")
    accepting_objections = serializers.SerializerMethodField(help_text="当前是否在公示期内，可提出异议")

    def get_accepting_objections(self, batch: AnnouncementBatch) -> bool:
        return batch.open_for_objections(self.context["today"])


class AnnouncementBatchPageOutput(AnnouncementBatchOutput):
    """一个公示批次及其名单的一页（`?page=`、`?page_size=`，与其他列表接口相同）。"""

    count = serializers.IntegerField(help_text="本批公示条目总数（同 entry_count）")
    next = serializers.URLField(allow_null=True, help_text="下一页地址；已是最后一页时为 null")
    previous = serializers.URLField(allow_null=True, help_text="上一页地址；已是第一页时为 null")
    entries = AnnouncementEntryOutput(many=True, help_text="本页的公示条目，按公示顺序")


class ObjectionInput(serializers.Serializer):
    """`batch_id` in the context: the entry must be a line of that batch."""

    entry = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,  # beyond a bigint the lookup would fail in the database, not here
        help_text="公示条目 id（见公示批次的 entries）",
        error_messages={
            "required": "请选择要提出异议的公示条目。",
            "null": "请选择要提出异议的公示条目。",
            "invalid": "公示条目编号无效。",
            "max_string_length": "公示条目编号无效。",
            "min_value": "公示条目编号无效。",
            "max_value": "公示条目编号无效。",
        },
    )
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH,
        help_text="异议理由及事实依据",
        error_messages={
            "required": "请填写异议理由。",
            "null": "请填写异议理由。",
            "blank": "请填写异议理由。",
            "max_length": f"异议理由不能超过{REASON_MAX_LENGTH}字。",
            "invalid": "异议理由格式不正确。",
        },
    )
    contact_name = serializers.CharField(
        max_length=50,
        help_text="联系人姓名（不公开）",
        error_messages={
            "required": "请填写联系人姓名。",
            "null": "请填写联系人姓名。",
            "blank": "请填写联系人姓名。",
            "max_length": "联系人姓名不能超过50字。",
            "invalid": "联系人姓名格式不正确。",
        },
    )
    contact_phone = MobileField(
        help_text="联系人手机号码（中国大陆，不公开）",
        error_messages={
            "required": "请填写联系人手机号码。",
            "null": "请填写联系人手机号码。",
            "blank": "请填写联系人手机号码。",
            "max_length": "请输入有效的11位中国大陆手机号码。",
            "invalid": "请输入有效的11位中国大陆手机号码。",
        },
    )

    def validate_entry(self, value: int) -> int:
        if not AnnouncementEntry.objects.filter(pk=value, batch_id=self.context["batch_id"]).exists():
            raise serializers.ValidationError("本批公示名单中没有该条目。", code="unknown_entry")
        return value


class ObjectionOutput(OutputModelSerializer):
    """What the objector gets back: the receipt, not their contact data and nothing about the entry's person."""

    # A plain string: an enum named after "status" would collide with the other status enums in the schema.
    status = serializers.CharField(
        help_text="处理状态：" + "；".join(f"`{v}` {label}" for v, label in ObjectionStatus.choices)
    )
    message = serializers.SerializerMethodField()

    class Meta:
        model = Objection
        fields = ["id", "entry", "status", "created_at", "message"]

    def get_message(self, objection: Objection) -> str:
        return "异议已收到。经办机构核实处理前，该条目暂缓生效；如需了解核实情况，工作人员将通过您留下的电话联系您。"
