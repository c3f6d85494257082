"""Digits that are not 0–9: full-width ones (a Chinese input method's) mean the same and are normalised;
every other kind (superscripts, circled numbers, other scripts' digits) is refused with the field's
Chinese message, never a 500 and never stored or sent to the SMS gateway."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.identity import validate_id_number, validate_mobile
from accounts.models import User
from tests.api import register as register_with_code
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/register/"
ID = make_id_number("620902", dt.date(1970, 1, 1), 3)
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def register(**fields):
    data = {"username": "lisi", "password": "S3cure-pass-2026", "name": "李四", "id_number": ID, "phone": "13909375555"}
    data.update(fields)
    return register_with_code(APIClient(), data)


def errors(response) -> dict[str, dict]:
    return {error["field"]: error for error in response.json()["errors"]}


@pytest.mark.parametrize(
    "id_number",
    [
        ID[:13] + "²" + ID[14:],  # superscript two: isdigit(), but not a digit int() reads
        ID[:13] + "②" + ID[14:],  # circled two
        ID[:13] + "٢" + ID[14:],  # Arabic-Indic two
        ID[:13] + "𝟐" + ID[14:],  # mathematical bold two
    ],
)
def test_an_id_number_with_other_digits_is_refused_naming_the_field(id_number):
    response = register(id_number=id_number)
    assert response.status_code == 400
    error = errors(response)["id_number"]
    assert error["code"] == "id_number_format" and "数字" in error["message"]
    assert not User.objects.exists()


def test_a_full_width_id_number_is_read_as_the_same_number():
    response = register(id_number=ID.translate(FULL_WIDTH))
    assert response.status_code == 201, response.content
    assert User.objects.get().id_number == ID


@pytest.mark.parametrize("phone", ["13⁹09375555", "١٣٩٠٩٣٧٥٥٥٥", "13⑨09375555"])
def test_a_phone_with_other_digits_is_refused_and_never_stored(phone):
    response = register(phone=phone)
    assert response.status_code == 400
    assert errors(response)["phone"]["code"] == "phone_invalid"
    assert not User.objects.exists()


def test_a_full_width_phone_is_stored_in_ascii():
    assert register(phone="13９０９３７５５５５").status_code == 201
    assert User.objects.get().phone == "13909375555"


def test_the_checks_themselves_return_ascii_only():
    assert validate_id_number(ID.translate(FULL_WIDTH)) == ID
    assert validate_mobile("＋86 139-0937-5555") == "13909375555"
