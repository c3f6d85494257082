"""`OutputModelSerializer` (config/api/serializers.py): the fields are built once per class and every
serializer gets its own bound copies, so the answers are DRF's own and nothing bound is shared."""

from __future__ import annotations

import threading

import pytest
from rest_framework import serializers

from applications.models import Application
from applications.outputs import DocumentOutput
from applications.selectors import application_with_relations
from applications.serializers import ApplicationListOutput, ApplicationOutput
from config.api.serializers import OutputModelSerializer
from tests.factories import ApplicationFactory, DocumentFactory

pytestmark = pytest.mark.django_db


class PlainDocumentOutput(serializers.ModelSerializer):  # DRF's own, for comparison
    class Meta(DocumentOutput.Meta):
        pass

    kind_display = serializers.CharField(source="get_kind_display")
    hospital = serializers.CharField(source="hospital.code", allow_null=True, default=None)
    duplicate_of = serializers.UUIDField(source="duplicate_of_id", allow_null=True)
    file_url = serializers.SerializerMethodField()
    get_file_url = DocumentOutput.get_file_url


def with_documents(count: int) -> Application:
    application = ApplicationFactory()
    for _ in range(count):
        DocumentFactory(application=application)
    return application_with_relations(application=application)


def test_the_answer_is_the_one_drf_builds_field_by_field():
    application = with_documents(3)
    documents = list(application.documents.all())

    assert DocumentOutput(documents, many=True).data == PlainDocumentOutput(documents, many=True).data


def test_each_serializer_binds_its_own_copies_and_the_template_stays_unbound():
    first, second = ApplicationOutput(with_documents(1)), ApplicationOutput(with_documents(2))

    assert first.fields["status"] is not second.fields["status"]
    assert first.fields["status"].parent is first and second.fields["status"].parent is second
    assert first.fields["documents"].child is not second.fields["documents"].child
    assert second.fields["documents"].child.parent is second.fields["documents"]
    template = ApplicationOutput.__dict__["_fields_template"]
    assert template["status"].parent is None
    assert len(first.data["documents"]) == 1 and len(second.data["documents"]) == 2


def test_a_subclass_with_other_fields_has_its_own_template():
    application = with_documents(0)
    ApplicationOutput(application).data
    listed = ApplicationListOutput(application).data

    assert set(listed) == set(ApplicationListOutput.Meta.fields)
    assert "documents" not in listed


def test_threads_serializing_at_once_each_get_their_own_documents():
    # The documents are read before the threads start: the threads only serialize (no database).
    lists = [list(with_documents(n % 3 + 1).documents.all()) for n in range(6)]
    expected = {i: [str(document.pk) for document in documents] for i, documents in enumerate(lists)}
    seen: dict[int, list[str]] = {}
    errors: list[BaseException] = []

    def serialize(i: int) -> None:
        try:
            for _ in range(30):
                seen[i] = [item["id"] for item in DocumentOutput(lists[i], many=True).data]
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=serialize, args=(i,)) for i in range(len(lists))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert seen == expected


def test_output_serializers_use_the_cached_fields():
    assert issubclass(ApplicationOutput, OutputModelSerializer)
    assert issubclass(DocumentOutput, OutputModelSerializer)
