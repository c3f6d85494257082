import pytest

from accounts.admin import UserAdminForm
from tests.factories import UserFactory, make_id_number

pytestmark = pytest.mark.django_db


def form_for(user, **changes):
    data = {
        "username": user.username,
        "name": user.name,
        "id_number": user.id_number,
        "phone": user.phone,
        "date_joined": "2026-01-01 00:00:00",
        "is_active": "on",
    }
    data.update(changes)
    return UserAdminForm(data=data, instance=user)


def test_admin_user_form_refuses_an_invalid_id_number_and_phone():
    form = form_for(UserFactory(), id_number="123", phone="abc")
    assert not form.is_valid()
    assert {"id_number", "phone"} <= form.errors.keys()


def test_admin_user_form_accepts_blank_identity_for_staff():
    form = form_for(UserFactory(is_staff=True), id_number="", phone="")
    assert form.is_valid(), form.errors


def test_admin_user_form_normalises_a_lowercase_x():
    number = next(n for n in (make_id_number(seq=s) for s in range(1000)) if n.endswith("X"))
    form = form_for(UserFactory(), id_number=number.lower())
    assert form.is_valid(), form.errors
    assert form.cleaned_data["id_number"] == number
