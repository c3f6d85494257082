"""The disease catalogue's admin form: evidence rules are checked by the same language the check uses."""

from django import forms

from applications.evidence import evidence_validate
from applications.models import Disease


class DiseaseAdminForm(forms.ModelForm):
    """The evidence trees are data edited by admins: validate them before they reach the check."""

    class Meta:
        model = Disease
        fields = [
            "code",
            "name",
            "category",
            "evidence",
            "record_max_age_days",
            "requires_hospital_appraisal",
            "requires_annual_reexam",
            "reexam_evidence",
            "requires_stamped_form",
            "employee_ratio",
            "employee_annual_limit",
            "resident_ratio",
            "resident_annual_limit",
            "benefit_months",
            "publication",
            "is_active",
            "notes",
        ]
        # The evidence language, explained where it is typed (admin help texts may hold markup).
        help_texts = {
            "evidence": (
                "材料种类代码的组合：<code>all</code> 表示全部需要，<code>any</code> 表示任选其一，可以嵌套。例如 "
                '<code>{"all": ["diagnosis_certificate", {"any": ["pathology_report", "imaging_report"]}]}</code>'
                "：疾病诊断证明，加病理报告或影像学报告之一。"
            ),
            "reexam_evidence": "年度复核时需要的复查材料，写法同上；不填则不需要。",
        }

    def clean_evidence(self) -> object:
        tree = self.cleaned_data["evidence"]
        evidence_validate(tree)
        return tree

    def clean_reexam_evidence(self) -> object:
        tree = self.cleaned_data.get("reexam_evidence")
        if tree:
            evidence_validate(tree)
        return tree
