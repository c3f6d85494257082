"""Model fields for personal data stored encrypted (see `config.crypto`).

`EncryptedCharField` holds the value as a Fernet token and gives it back decrypted: the rest of the code
reads and writes plain values. Its blind index is a `BlindIndexField` beside it (`index="…"` names it),
filled on every save; `filter(id_number=…)`, `iexact` and `__in` look-ups are answered through that
index, so `User.objects.filter(id_number=n)` and `applicant__id_number=n` work as before. Any other
look-up (contains, ordering by the value, ranges) is refused: on ciphertext it could only be wrong.
A field without an index (`index=None`) is stored encrypted and cannot be searched at all.

`QuerySet.update()` of an encrypted field would leave its index behind: write these fields with
`save()` (every code path does).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core import validators
from django.core.exceptions import EmptyResultSet, FieldError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Lookup
from django.db.models.expressions import Col

from config.crypto import ENCRYPTED_MAX_LENGTH, INDEX_LENGTH, blind_index, decrypt, encrypt


class EncryptedCharField(models.CharField):
    description = "加密存储的文本"

    def __init__(self, *args: Any, plain_max_length: int, index: str | None = None, **kwargs: Any) -> None:
        self.plain_max_length = plain_max_length
        self.index = index
        kwargs["max_length"] = ENCRYPTED_MAX_LENGTH
        super().__init__(*args, **kwargs)
        self.validators.append(validators.MaxLengthValidator(plain_max_length))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        del kwargs["max_length"]
        kwargs["plain_max_length"] = self.plain_max_length
        if self.index is not None:
            kwargs["index"] = self.index
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str | None:
        return None if value is None else decrypt(value)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        value = super().get_db_prep_save(value, connection)
        if value is None or hasattr(value, "as_sql"):  # an expression (bulk_update's CASE) encrypts its values
            return value
        return encrypt(str(value))

    def formfield(self, **kwargs: Any) -> Any:
        return super().formfield(**{"max_length": self.plain_max_length, **kwargs})

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name in ("exact", "iexact"):
            return BlindExact
        if lookup_name == "in":
            return BlindIn
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None  # the ORM answers FieldError: unsupported lookup

    def get_transform(self, lookup_name: str) -> Any:
        return None


if TYPE_CHECKING:
    _AnyField = models.Field[Any, Any]
else:
    _AnyField = models.Field  # not subscriptable at run time


class EncryptedJSONField(_AnyField):
    """A JSON value stored as one Fernet token in a text column (for a document that carries personal
    data, such as a message to the national platform). Never searched: no look-ups but `isnull`."""

    description = "加密存储的 JSON"

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: str | None, expression: object, connection: object) -> object:
        return None if value is None else json.loads(decrypt(value))

    def to_python(self, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value

    def get_prep_value(self, value: object) -> object:
        return value

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if value is None or hasattr(value, "as_sql"):
            return value
        return encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True, cls=DjangoJSONEncoder))

    def value_to_string(self, obj: models.Model) -> str:
        return json.dumps(self.value_from_object(obj), ensure_ascii=False, cls=DjangoJSONEncoder)

    def get_lookup(self, lookup_name: str) -> Any:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name: str) -> Any:
        return None


class BlindIndexField(models.CharField):
    """The HMAC of another field's value (`source`), recomputed on every save."""

    description = "盲索引"

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", INDEX_LENGTH)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, default in (("max_length", INDEX_LENGTH), ("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(key) == default:
                del kwargs[key]
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = blind_index(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


def _index_column(lhs: object) -> Col:
    """The blind-index column beside the encrypted column a look-up names."""
    field = getattr(lhs, "target", None)
    if not isinstance(lhs, Col) or not isinstance(field, EncryptedCharField):
        raise FieldError("an encrypted field can be compared only as a column with a plain value")
    if field.index is None:
        raise FieldError(
            f"{field.model.__name__}.{field.name} is encrypted without a blind index: it cannot be searched"
        )
    index = field.model._meta.get_field(field.index)
    assert isinstance(index, BlindIndexField)
    return Col(lhs.alias, index)


def _plain(value: object) -> str:
    if hasattr(value, "resolve_expression"):
        raise FieldError("an encrypted field can be compared only with a plain value, not an expression")
    return "" if value is None else str(value)


class BlindExact(Lookup):
    """`field=value` and `field__iexact=value` on an encrypted field: its index equals the value's HMAC."""

    lookup_name = "exact"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        sql, params = compiler.compile(_index_column(self.lhs))
        return f"{sql} = %s", [*params, blind_index(_plain(self.rhs))]


class BlindIn(Lookup):
    lookup_name = "in"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if (
            hasattr(self.rhs, "resolve_expression")
            or not isinstance(self.rhs, Iterable)
            or isinstance(self.rhs, str | bytes)
        ):
            raise FieldError("__in on an encrypted field takes a list of plain values")
        digests = sorted({blind_index(_plain(value)) for value in self.rhs})
        if not digests:
            raise EmptyResultSet
        sql, params = compiler.compile(_index_column(self.lhs))
        return f"{sql} IN ({', '.join(['%s'] * len(digests))})", [*params, *digests]


def encrypted_fields(model: type[models.Model]) -> list[EncryptedCharField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, EncryptedCharField)]


def encrypted_rows_rotate(*, batch: int = 1000) -> dict[str, int]:
    """Re-encrypt every encrypted value with the newest key of FIELD_ENCRYPTION_KEYS and recompute every
    blind index with BLIND_INDEX_KEY (key rotation). Rows per model, in primary-key batches; idempotent.
    Until it has finished, look-ups find only the rows it has done if the index key changed: rotate the
    index key in a maintenance window, the encryption keys at any time."""
    from django.apps import apps

    done: dict[str, int] = {}
    for model in apps.get_models():
        fields = encrypted_fields(model)
        if not fields:
            continue
        indexes = [field for field in model._meta.concrete_fields if isinstance(field, BlindIndexField)]
        names = [field.name for field in fields] + [index.name for index in indexes]
        count, last = 0, None
        while True:
            rows = model._default_manager.order_by("pk")
            if last is not None:
                rows = rows.filter(pk__gt=last)
            chunk = list(rows.only("pk", *names)[:batch])
            if not chunk:
                break
            for row in chunk:
                for index in indexes:
                    index.pre_save(row, add=False)
            model._default_manager.bulk_update(chunk, names)
            count += len(chunk)
            last = chunk[-1].pk
        done[model._meta.label] = count
    return done
