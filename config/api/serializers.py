"""`ModelSerializer` whose fields are worked out once per class.

DRF's `ModelSerializer.get_fields` inspects the model and constructs every field anew for each
serializer it makes, nested ones included: about two thirds of the time an application's answer takes to
serialize (profiled, 2026-12-07). What it builds depends only on the class (`Meta`, the declared fields,
the model), so `get_fields` builds it once, keeps it unbound as the class's template, and gives each
serializer shallow copies of those fields. DRF then binds each copy to its own serializer (`bind` sets
the name, parent and source on the copy), so nothing bound is ever shared between serializers, requests
or threads. A nested list serializer gets a copy of its child too (the child is bound to its list).

For output serializers (answers); a serializer that validates input keeps DRF's own `get_fields`."""

from __future__ import annotations

import copy
from typing import Any

from rest_framework import serializers

_TEMPLATE = "_fields_template"


def _copy(field: Any) -> Any:
    clone = copy.copy(field)
    clone.__dict__.pop("fields", None)  # a nested serializer works out its own bound fields
    clone.__dict__.pop("_readable_fields", None)
    if isinstance(field, serializers.ListSerializer):
        clone.child = _copy(field.child)
        clone.child.parent = clone  # bound to the list as in the template, now to this copy
    return clone


class OutputModelSerializer(serializers.ModelSerializer):
    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        template = cls.__dict__.get(_TEMPLATE)  # this class's own: a subclass with other fields builds its own
        if template is None:
            template = super().get_fields()
            setattr(cls, _TEMPLATE, template)
        return {name: _copy(field) for name, field in template.items()}
