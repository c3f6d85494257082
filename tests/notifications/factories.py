"""Notification factories: a message of a catalogue kind, with its texts rendered from the catalogue."""

from __future__ import annotations

import factory
from django.utils import timezone

from notifications.catalogue import message_render
from notifications.models import DeliveryStatus, Notification, NotificationKind
from tests.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    """An `accepted` notice, not yet delivered (trait `delivered`)."""

    class Meta:
        model = Notification
        exclude = ["params", "texts"]

    user = factory.SubFactory(UserFactory)
    kind = NotificationKind.ACCEPTED
    params = factory.LazyFunction(
        lambda: {"reference": "MT2026010100000001", "working_days": 20, "deadline": timezone.localdate()}
    )
    texts = factory.LazyAttribute(lambda o: message_render(kind=o.kind, params=o.params))
    title = factory.LazyAttribute(lambda o: o.texts.title)
    body = factory.LazyAttribute(lambda o: o.texts.body)
    short_text = factory.LazyAttribute(lambda o: o.texts.short_text)
    dedupe_key = factory.Sequence(lambda n: f"test:{n}")

    class Params:
        delivered = factory.Trait(
            sms_status=DeliveryStatus.SENT, email_status=DeliveryStatus.SKIPPED, delivery_attempts=1
        )
