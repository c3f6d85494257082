"""The forms of the desk's admin pages (代办申请): they read and check what the clerk typed; the rules
(who may be filed for, what is missing, what an upload must be) stay in the services they feed."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.identity import validate_id_number, validate_mobile
from applications.models import Disease, DocumentKind, Hospital
from applications.selectors import disease_list, hospital_list
from config.domain import DomainError

# The services name fields as the API does; the forms name them as the page does.
SERVICE_FIELDS = {
    "for_person.id_number": "id_number",
    "for_person.phone": "phone",
    "disease_code": "disease",
    "hospital": "hospital",
}


class DateInput(forms.DateInput):
    input_type = "date"


class DeskLookupForm(forms.Form):
    id_number = forms.CharField(
        label="身份证号码",
        max_length=40,
        help_text="核对申请人本人身份证原件后输入，18位，末位可为X。",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )

    def clean_id_number(self) -> str:
        return validate_id_number(self.cleaned_data["id_number"])


class DeskStartForm(forms.Form):
    """Start an application for the person found: what the API's POST /applications/ takes."""

    id_number = forms.CharField(widget=forms.HiddenInput)
    phone = forms.CharField(
        label="申请人手机号", max_length=20, help_text="申请人本人或家属的手机号，用于接收办理进度短信"
    )
    disease = forms.ModelChoiceField(queryset=Disease.objects.none(), to_field_name="code", label="申请病种")
    diagnosis_date = forms.DateField(label="确诊日期", widget=DateInput)
    diagnosing_hospital = forms.ModelChoiceField(
        queryset=Hospital.objects.none(), to_field_name="code", label="确诊医院", help_text="二级及以上医疗机构"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        fields = self.fields
        fields["disease"].queryset = disease_list()  # type: ignore[attr-defined]
        fields["diagnosing_hospital"].queryset = hospital_list().filter(level__gte=Hospital.Level.LEVEL_2)  # type: ignore[attr-defined]
        points_fields_add(self, help_text="可以以后在申请页面修改")

    def clean_phone(self) -> str:
        return validate_mobile(self.cleaned_data["phone"])

    def designated_points(self) -> list[str]:
        return points_chosen(self)


class DeskPointsForm(forms.Form):
    """The designated points (定点医疗机构) of a case still editable, in the person's order."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        points_fields_add(self, help_text="")

    def designated_points(self) -> list[str]:
        return points_chosen(self)


def points_fields_add(form: forms.Form, *, help_text: str) -> None:
    """One choice per place in the order (第一、第二…定点), up to `DESIGNATED_POINTS_MAX`."""
    designated = hospital_list().filter(is_designated=True)
    for place in range(1, settings.DESIGNATED_POINTS_MAX + 1):
        form.fields[f"point_{place}"] = forms.ModelChoiceField(
            queryset=designated,
            to_field_name="code",
            required=False,
            label=f"第{place}家定点医疗机构",
            help_text=help_text if place == 1 else "",
        )


def points_chosen(form: forms.Form) -> list[str]:
    codes = [
        form.cleaned_data[name].code for name in form.fields if name.startswith("point_") and form.cleaned_data[name]
    ]
    return list(dict.fromkeys(codes))  # a point chosen twice counts once


class DeskUploadForm(forms.Form):
    kind = forms.ChoiceField(label="材料种类", choices=[("", "请选择"), *DocumentKind.choices])
    file = forms.FileField(label="文件", help_text="JPG、PNG 照片或 PDF 扫描件")
    issued_on = forms.DateField(label="出具日期", required=False, widget=DateInput, help_text="医院出具的材料必填")
    hospital = forms.ModelChoiceField(
        queryset=Hospital.objects.none(), to_field_name="code", required=False, label="出具医院"
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["hospital"].queryset = hospital_list()  # type: ignore[attr-defined]


def form_errors_add(form: forms.Form, error: DomainError) -> None:
    """A service's refusal shown on the form: at the field it names, or above the form."""
    for item in error.errors or [{"field": "", "message": error.message}]:
        field = SERVICE_FIELDS.get(item.get("field", ""), item.get("field", ""))
        form.add_error(field if field in form.fields else None, ValidationError(item["message"]))
