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

    def clean_evidence(self) -> object:
        tree = self.cleaned_data["evidence"]
        evidence_validate(tree)
        return tree

    def clean_reexam_evidence(self) -> object:
        tree = self.cleaned_data.get("reexam_evidence")
        if tree:
            evidence_validate(tree)
        return tree
