"""Input and output of the reviewer API (评审专家接口).

Values that need the calendar or other rows (working days left, the deadline explanation, the
opinions the caller may see) are computed by the view once per request and passed in the context,
so a page costs the same number of queries whatever its size.
"""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.identity import mask_id_number, mask_name
from applications.models import ApplicationChannel, ApplicationStatus
from applications.outputs import DocumentOutput, EventOutput, HospitalOutput
from config.api.serializers import OutputModelSerializer
from reviews.models import Decision, ReviewAssignment
from reviews.selectors import application_is_overdue

# --- input -----------------------------------------------------------------------------------------


class ReviewQueueQuery(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[("pending", "待评审"), ("decided", "已提交意见")],
        default="pending",
        required=False,
        help_text="pending：待我评审的案件（默认，截止日期最近的在前）；decided：我已提交意见的案件（最近的在前）",
        error_messages={"invalid_choice": "state 只能为 pending 或 decided。"},
    )


class ReviewDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=Decision.choices,
        help_text="approve 通过；reject 不通过；request_supplement 要求补充材料（评审计时暂停）",
        error_messages={
            "required": "请选择评审意见 decision。",
            "null": "请选择评审意见 decision。",
            "invalid_choice": "评审意见只能为 approve、reject 或 request_supplement。",
        },
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="理由；不通过或要求补充材料时必填",
        error_messages={"max_length": "理由不能超过2000字。"},
    )


# --- output ----------------------------------------------------------------------------------------


class DeadlineExplanationOutput(serializers.Serializer):
    """How the review deadline was computed (`reviews.clock.review_deadline_explain`)."""

    accepted_on = serializers.DateField(help_text="受理日（评审计时起算日，本身不计）")
    working_days = serializers.IntegerField(help_text="评审时限（工作日）")
    suspended_working_days = serializers.IntegerField(help_text="等待补正材料暂停计时的工作日数，期限相应顺延")
    deadline = serializers.DateField(help_text="受理日之后第 working_days + suspended_working_days 个工作日")
    provisional = serializers.BooleanField(help_text="为 true 时，所跨年份的国务院节假日安排尚未录入，结果为临时推算")


class DiseaseBriefOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ApplicantBriefOutput(serializers.Serializer):
    """What an expert needs to know about the person: masked identity, sex and age (no contact data)."""

    name = serializers.CharField(help_text="脱敏姓名，如 张*丰")
    id_number = serializers.CharField(help_text="脱敏身份证号码，如 6209**********123X")
    sex = serializers.ChoiceField(choices=[("male", "男"), ("female", "女")], allow_null=True)
    age = serializers.IntegerField(allow_null=True, help_text="周岁，按身份证号码中的出生日期计算")


class OpinionOutput(OutputModelSerializer):
    decision_display = serializers.CharField(source="get_decision_display")

    class Meta:
        model = ReviewAssignment
        fields = ["decision", "decision_display", "reason", "decided_at"]


class OtherOpinionOutput(OutputModelSerializer):
    expert = serializers.SerializerMethodField()
    decision_display = serializers.CharField(source="get_decision_display")

    class Meta:
        model = ReviewAssignment
        fields = ["expert", "round", "role", "decision", "decision_display", "reason", "decided_at"]

    def get_expert(self, obj: ReviewAssignment) -> str:
        return obj.expert.name or obj.expert.username


def _clock_running(assignment: ReviewAssignment) -> bool:
    return assignment.application.status == ApplicationStatus.UNDER_REVIEW


class _AssignmentBase(OutputModelSerializer):
    """Fields shared by a queue row and the case. Context: `today`, `working_days_left` (application pk → int)."""

    application = serializers.UUIDField(source="application_id")
    reference = serializers.CharField(source="application.reference")
    status = serializers.CharField(source="application.status")
    disease = DiseaseBriefOutput(source="application.disease")
    category = serializers.CharField(source="application.disease.category.code")
    category_name = serializers.CharField(source="application.disease.category.name")
    review_deadline = serializers.DateField(source="application.review_deadline", allow_null=True)
    working_days_left = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.IntegerField(
            allow_null=True,
            help_text="距评审截止日期的工作日数（负数为已超期）；仅在评审计时中（under_review）给出",
        )
    )
    def get_working_days_left(self, obj: ReviewAssignment) -> int | None:
        if not _clock_running(obj):
            return None
        return self.context["working_days_left"].get(obj.application_id)

    @extend_schema_field(serializers.BooleanField(help_text="评审中且已过截止日期"))
    def get_overdue(self, obj: ReviewAssignment) -> bool:
        return application_is_overdue(obj.application, today=self.context["today"])


class ReviewQueueItemOutput(_AssignmentBase):
    class Meta:
        model = ReviewAssignment
        fields = [
            "id",
            "application",
            "reference",
            "status",
            "disease",
            "category",
            "category_name",
            "round",
            "role",
            "assigned_at",
            "review_deadline",
            "working_days_left",
            "overdue",
            "decision",
            "decided_at",
        ]


class ReviewCaseOutput(_AssignmentBase):
    """The case as the assigned expert sees it; other experts' opinions of the current round only once all are in."""

    # Extra context: `deadline_explanation`, `other_opinions`.

    kind = serializers.CharField(source="application.kind")
    status_display = serializers.CharField(source="application.get_status_display")
    diagnosis_date = serializers.DateField(source="application.diagnosis_date")
    diagnosing_hospital = HospitalOutput(source="application.diagnosing_hospital")
    applicant = serializers.SerializerMethodField()
    documents = DocumentOutput(source="application.documents", many=True)
    problems = serializers.ListField(
        source="application.problems", child=serializers.DictField(), help_text="完整性检查发现的问题（当前）"
    )
    events = EventOutput(source="application.events", many=True)
    submitted_at = serializers.DateTimeField(source="application.submitted_at", allow_null=True)
    accepted_at = serializers.DateTimeField(source="application.accepted_at", allow_null=True)
    deadline_explanation = serializers.SerializerMethodField()
    my_opinion = serializers.SerializerMethodField()
    other_opinions = serializers.SerializerMethodField()

    class Meta:
        model = ReviewAssignment
        fields = [
            "id",
            "application",
            "reference",
            "kind",
            "status",
            "status_display",
            "disease",
            "category",
            "category_name",
            "diagnosis_date",
            "diagnosing_hospital",
            "applicant",
            "round",
            "role",
            "is_active",
            "assigned_at",
            "submitted_at",
            "accepted_at",
            "review_deadline",
            "working_days_left",
            "overdue",
            "deadline_explanation",
            "documents",
            "problems",
            "events",
            "my_opinion",
            "other_opinions",
        ]

    @extend_schema_field(ApplicantBriefOutput)
    def get_applicant(self, obj: ReviewAssignment) -> dict:
        person = obj.application.applicant
        sex, age = _sex_and_age(person.id_number, today=self.context["today"])
        return {
            "name": mask_name(person.name),
            "id_number": mask_id_number(person.id_number),
            "sex": sex,
            "age": age,
        }

    @extend_schema_field(DeadlineExplanationOutput(allow_null=True))
    def get_deadline_explanation(self, obj: ReviewAssignment) -> dict | None:
        explanation = self.context["deadline_explanation"]
        return None if explanation is None else DeadlineExplanationOutput(explanation).data

    @extend_schema_field(OpinionOutput(allow_null=True))
    def get_my_opinion(self, obj: ReviewAssignment) -> dict | None:
        return OpinionOutput(obj).data if obj.decision else None

    @extend_schema_field(OtherOpinionOutput(many=True))
    def get_other_opinions(self, obj: ReviewAssignment) -> list:
        return list(OtherOpinionOutput(self.context["other_opinions"], many=True).data)


def _sex_and_age(id_number: str, *, today: dt.date) -> tuple[str | None, int | None]:
    """Sex (17th digit: odd male, even female) and age in full years from an 18-digit ID number."""
    if len(id_number or "") != 18 or not id_number[:17].isdigit():
        return None, None
    try:
        birth = dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None, None
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return ("male" if int(id_number[16]) % 2 else "female"), age


class StatisticsQuery(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="提交日期起（含），默认本年1月1日")
    date_to = serializers.DateField(required=False, help_text="提交日期止（含），默认今天")


class StatisticsCountsOutput(serializers.Serializer):
    received = serializers.IntegerField(help_text="提交的申请（首次提交日期在区间内）")
    accepted = serializers.IntegerField(help_text="其中已受理")
    approved = serializers.IntegerField(help_text="其中评审通过（含公示中、待遇生效）")
    rejected = serializers.IntegerField(help_text="其中未通过")
    withdrawn = serializers.IntegerField(help_text="其中已撤回")
    open = serializers.IntegerField(help_text="其中仍在办理（待检查、待补正、评审中）")
    decided = serializers.IntegerField(help_text="其中已办结：已受理且现为评审通过（含公示中、待遇生效）或未通过")
    overdue = serializers.IntegerField(
        help_text="其中超期：评审截止日期后才作出决定，或评审中已过截止日期（待补正期间计时暂停，不计）"
    )
    completion_rate = serializers.FloatField(allow_null=True, help_text="办结率 = 已办结 ÷ 已受理；无受理时为空")
    overdue_rate = serializers.FloatField(allow_null=True, help_text="超期率 = 超期 ÷ 已受理；无受理时为空")


class StatisticsMonthOutput(StatisticsCountsOutput):
    month = serializers.CharField(help_text="YYYY-MM")


class StatisticsChannelOutput(StatisticsCountsOutput):
    channel = serializers.ChoiceField(choices=ApplicationChannel.choices)
    channel_display = serializers.CharField()


class StatisticsCategoryOutput(StatisticsCountsOutput):
    category = serializers.CharField(help_text="病种类别名称")


class StatisticsDistrictOutput(StatisticsCountsOutput):
    district_code = serializers.CharField(help_text="参保地行政区划代码；参保登记中找不到申请人时为空")
    district = serializers.CharField(help_text="参保地区县名称，或“未登记参保地”")


class StatisticsDurationsOutput(serializers.Serializer):
    count = serializers.IntegerField(help_text="已办结且有决定记录的申请数")
    median = serializers.IntegerField(allow_null=True, help_text="受理至决定的工作日数中位数（最近秩），无办结时为空")
    p90 = serializers.IntegerField(allow_null=True, help_text="受理至决定的工作日数第90百分位（最近秩）")
    average = serializers.FloatField(allow_null=True, help_text="受理至决定的平均工作日数")


class StatisticsAnnualReviewsOutput(serializers.Serializer):
    due = serializers.IntegerField(help_text="复核日期在区间内的待遇认定（待遇期已满、已撤销或已终止的除外）")
    reviewed = serializers.IntegerField(help_text="其中已复核通过")
    in_progress = serializers.IntegerField(help_text="其中年度复核正在办理")
    lapsed = serializers.IntegerField(help_text="其中逾期未复核已失效")
    completion_rate = serializers.FloatField(allow_null=True, help_text="年度复核完成率 = 已复核 ÷ 应复核")


class StatisticsScoreOutput(serializers.Serializer):
    score = serializers.IntegerField()
    count = serializers.IntegerField()


class StatisticsRatingsOutput(serializers.Serializer):
    count = serializers.IntegerField(help_text="区间内收到的评价数")
    average = serializers.FloatField(allow_null=True, help_text="平均分（1至5），无评价时为空")
    low = serializers.IntegerField(help_text="差评数（2分及以下）")
    by_score = StatisticsScoreOutput(many=True)


class StatisticsOutput(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    totals = StatisticsCountsOutput()
    durations = StatisticsDurationsOutput(help_text="已办结申请自受理至决定的工作日数（工作日历同评审期限）")
    ratings = StatisticsRatingsOutput(help_text="好差评：区间内作出的服务评价")
    annual_reviews = StatisticsAnnualReviewsOutput(help_text="年度资格复核：复核日期在区间内的待遇认定")
    by_month = StatisticsMonthOutput(many=True)
    by_channel = StatisticsChannelOutput(many=True, help_text="每个办理渠道一行（没有申请的为0）")
    by_category = StatisticsCategoryOutput(many=True, help_text="每个病种类别一行（没有申请的为0）")
    by_district = StatisticsDistrictOutput(many=True, help_text="申请人参保地（区县）有申请的各一行")
