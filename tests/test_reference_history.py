"""Reference data keeps its history (django-simple-history): a change made in the admin to a disease's
ratios, a hospital, an expert's specialties, a retention period or a calendar day is recorded with who
made it, when, and the old and new values, and the admin shows that history in Chinese."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from applications.models import Disease, Hospital, RetentionPolicy
from reviews.models import CalendarDay, ExpertProfile
from tests.factories import DiseaseFactory, HospitalFactory, UserFactory
from tests.reviews.review_helpers import category, expert
from tests.test_admin_language import english_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory(username="chen.officer", is_staff=True, is_superuser=True, id_number=""))
    return client


def change_in_admin(client: Client, obj, **changes) -> None:  # type: ignore[no-untyped-def]
    """Submit the admin's change form of obj as a person would: every field as shown, some changed."""
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = str(value)
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response


def history_page(client: Client, obj) -> str:  # type: ignore[no-untyped-def]
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_disease_ratio_change_is_recorded_with_who_and_old_to_new(root):
    disease = DiseaseFactory(employee_ratio=Decimal("0.80"))
    change_in_admin(root, disease, employee_ratio="0.75")

    latest = Disease.history.filter(id=disease.pk).latest("history_date")
    assert latest.history_user.username == "chen.officer"
    assert latest.prev_record is not None
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("employee_ratio", Decimal("0.80"), Decimal("0.75"))]
    page = history_page(root, disease)
    assert "chen.officer" in page and "职工报销比例" in page and "0.80" in page and "0.75" in page
    assert english_words(page, data={"chen", "officer"}) == set()


def test_a_hospital_and_a_retention_period_keep_their_history(root):
    hospital = HospitalFactory(name="酒泉市人民医院")
    change_in_admin(root, hospital, name="酒泉市人民医院（东院区）")
    assert list(Hospital.history.filter(id=hospital.pk).values_list("name", flat=True).order_by("history_date")) == [
        "酒泉市人民医院",
        "酒泉市人民医院（东院区）",
    ]
    policy = RetentionPolicy.objects.order_by("pk").first()
    assert policy is not None
    change_in_admin(root, policy, days=str(policy.days + 30))
    assert "保存期限" in history_page(root, policy)
    assert policy.history.latest("history_date").history_user.username == "chen.officer"


def test_an_experts_specialties_are_part_of_the_history(root):
    first, second = category(code="kidney"), category(code="tumour")
    profile = expert(first).expert_profile
    change_in_admin(root, profile, specialties=[str(first.pk), str(second.pk)])
    latest = ExpertProfile.history.filter(id=profile.pk).latest("history_date")
    assert sorted(s.diseasecategory_id for s in latest.specialties.all()) == sorted([first.pk, second.pk])
    assert "擅长病种类别" in history_page(root, profile)


def test_a_calendar_day_changed_in_the_admin_is_in_its_history(root):
    day = CalendarDay.objects.create(date="2031-10-01", kind="holiday", name="国庆节")
    change_in_admin(root, day, name="国庆节（补录）")
    names = list(CalendarDay.history.filter(id=day.pk).order_by("history_date").values_list("name", flat=True))
    assert names[-1] == "国庆节（补录）" and "国庆节" in names
    assert "国庆节（补录）" in history_page(root, day)


def test_records_from_before_the_history_show_their_old_value_on_the_first_change(root):
    from django.apps import apps

    from config.history import HISTORY_START_REASON, history_start

    disease = DiseaseFactory(resident_annual_limit=6000)
    Disease.history.all().delete()  # as a record from before the history was switched on
    history_start(apps, [("applications", "Disease")])
    change_in_admin(root, disease, resident_annual_limit="8000")
    first, second = Disease.history.filter(id=disease.pk).order_by("history_date")
    assert first.history_change_reason == HISTORY_START_REASON
    assert [(c.old, c.new) for c in second.diff_against(first).changes] == [(6000, 8000)]


def test_a_past_version_is_shown_to_read_in_chinese_and_cannot_be_reverted(root):
    disease = DiseaseFactory(employee_ratio=Decimal("0.80"))
    change_in_admin(root, disease, employee_ratio="0.75")
    first = Disease.history.filter(id=disease.pk).earliest("history_date")
    url = reverse("admin:applications_disease_simple_history", args=[disease.pk, first.history_id])
    page = root.get(url).content.decode()
    assert "仅供查看" in page and "查看历史版本" in page and "慢特病申请" in page
    assert english_words(page, data={"chen", "officer"}) == set()
    root.post(url, {"employee_ratio": "0.80"})
    disease.refresh_from_db()
    assert disease.employee_ratio == Decimal("0.75")  # nothing reverted
