"""ID numbers and phones are stored encrypted: a plain SELECT reads tokens, never the numbers, while the
code reads and finds them as before through their blind indexes (registry match, duplicate checks,
search). Keys rotate without losing a row; production refuses to start without keys of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import User
from applications.models import Application, InsuredPerson
from config.crypto import DecryptionFailed, blind_index
from tests.api import register
from tests.factories import ApplicationFactory, InsuredPersonFactory, UserFactory, make_id_number
from tests.production import PRODUCTION_KEYS, STRONG_KEY

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def raw(row: Model, column: str) -> str:
    """What a plain SELECT of the row's column reads."""
    meta = row._meta
    pk = meta.pk.get_db_prep_value(row.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {meta.db_table} WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_a_plain_select_reads_no_id_number_or_phone():
    user = UserFactory(id_number="620902196508220245", phone="13909370001")
    application = ApplicationFactory(
        applicant=user, agent_name="李四", agent_id_number="62090219700101003X", agent_phone="13800000002"
    )
    person = InsuredPersonFactory(id_number="620902196508220245")
    stored = [
        raw(user, "id_number"),
        raw(user, "phone"),
        raw(application, "agent_id_number"),
        raw(application, "agent_phone"),
        raw(person, "id_number"),
    ]
    for value in stored:
        assert value.startswith("gAAAAA")
        assert "6209021965" not in value and "139093" not in value and "620902197001" not in value
    # The same number is stored differently each time: equal ciphertexts give nothing away.
    assert raw(user, "id_number") != raw(person, "id_number")
    user.refresh_from_db()
    assert (user.id_number, user.phone) == ("620902196508220245", "13909370001")


def test_look_ups_by_id_number_and_phone_still_find_the_row():
    user = UserFactory(id_number="62090219700101003X", phone="13909370001")
    ApplicationFactory(applicant=user)
    assert User.objects.get(id_number="62090219700101003X") == user
    assert User.objects.get(id_number__iexact="62090219700101003x") == user  # typed with a small x
    assert User.objects.get(phone="13909370001") == user
    assert list(User.objects.filter(id_number__in=["62090219700101003X", make_id_number()])) == [user]
    assert Application.objects.filter(applicant__id_number="62090219700101003X").count() == 1
    assert not User.objects.filter(id_number=make_id_number()).exists()


def test_a_look_up_that_cannot_work_on_ciphertext_is_refused_not_answered_wrong():
    with pytest.raises(FieldError):
        list(User.objects.filter(id_number__startswith="6209"))
    with pytest.raises(FieldError):
        list(Application.objects.filter(agent_phone="13800000002"))  # encrypted without an index


def test_duplicates_are_still_refused():
    UserFactory(id_number="620902196508220245")
    body = {
        "username": "second",
        "password": "S3cure-pass-2026",
        "name": "李秀兰",
        "id_number": "620902196508220245",
        "phone": "13909370009",
    }
    response = register(APIClient(), body)
    assert response.status_code == 201  # the same answer as for a new account (no oracle), and no account made
    assert User.objects.filter(id_number="620902196508220245").count() == 1
    InsuredPersonFactory(id_number="620902196508220245")
    with pytest.raises(IntegrityError), transaction.atomic():
        InsuredPersonFactory(id_number="620902196508220245")


def test_the_registry_match_finds_the_insured_person_through_the_index():
    person = InsuredPersonFactory(id_number="620902196508220245", name="李秀兰")
    assert InsuredPerson.objects.get(id_number=UserFactory(id_number="620902196508220245").id_number) == person


def test_a_new_key_in_front_and_encryption_rotate_re_encrypt_every_row():
    old_key = Fernet.generate_key().decode()
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]):
        user = UserFactory(id_number="620902196508220245", phone="13909370001")
        before = raw(user, "id_number")
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        call_command("encryption_rotate", stdout=open("/dev/null", "w"))
        after = raw(user, "id_number")
    assert after != before
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):  # the old key can go
        assert User.objects.get(pk=user.pk).id_number == "620902196508220245"
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]), pytest.raises(DecryptionFailed):
        User.objects.get(pk=user.pk)


def test_a_new_index_key_and_encryption_rotate_rebuild_the_blind_indexes():
    user = UserFactory(id_number="620902196508220245")
    with override_settings(BLIND_INDEX_KEY="another-blind-index-key-of-32-characters-or-more"):
        assert not User.objects.filter(id_number="620902196508220245").exists()  # not rebuilt yet
        call_command("encryption_rotate", stdout=open("/dev/null", "w"))
        assert User.objects.get(id_number="620902196508220245") == user
        assert raw(user, "id_number_index") == blind_index("620902196508220245")


def _production(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    environment.update(DJANGO_SECRET_KEY=STRONG_KEY, PUBLIC_BASE_URL="https://ybj.example", **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_production_starts_with_keys_of_its_own_and_refuses_none_or_the_development_ones():
    from config.settings.base import DEVELOPMENT_BLIND_INDEX_KEY, DEVELOPMENT_FIELD_ENCRYPTION_KEY

    assert _production(**PRODUCTION_KEYS).returncode == 0
    missing = _production(BLIND_INDEX_KEY=PRODUCTION_KEYS["BLIND_INDEX_KEY"])
    assert missing.returncode != 0 and "FIELD_ENCRYPTION_KEYS must be set" in missing.stderr
    development = _production(**{**PRODUCTION_KEYS, "FIELD_ENCRYPTION_KEYS": DEVELOPMENT_FIELD_ENCRYPTION_KEY})
    assert development.returncode != 0 and "FIELD_ENCRYPTION_KEYS" in development.stderr
    weak_index = _production(**{**PRODUCTION_KEYS, "BLIND_INDEX_KEY": DEVELOPMENT_BLIND_INDEX_KEY})
    assert weak_index.returncode != 0 and "BLIND_INDEX_KEY" in weak_index.stderr
