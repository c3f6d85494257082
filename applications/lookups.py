"""Catalogue look-ups by code (a disease, a medical institution) on the applicant's paths, served from the
Django cache: both registers change rarely (an admin edit, an import), and every create and upload reads
them. The one place that caches them is the one place that forgets them: every save and delete of either
model drops the entry, now and again on commit (`catalogue_signals_connect`, from `ApplicationsConfig.ready`)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import signals

from applications.models import Disease, Hospital

TIMEOUT_SECONDS = 600  # a safety net only: saves and deletes forget the entry at once
M = TypeVar("M", Disease, Hospital)


def _key(model: type[models.Model], code: str) -> str:
    return f"catalogue:{model._meta.label_lower}:{code}"


def _by_code(model: type[M], code: str) -> M | None:
    if not code:
        return None
    key = _key(model, code)
    found: M | None = cache.get(key)
    if found is None:
        found = model.objects.filter(code=code).first()
        if found is not None:  # an unknown code is not remembered: a new entry shows at once
            cache.set(key, found, TIMEOUT_SECONDS)
    return found


def disease_active_by_code(code: str) -> Disease | None:
    """The disease of this code if it is accepting applications (`is_active`), else None."""
    disease = _by_code(Disease, code)
    return disease if disease is not None and disease.is_active else None


def hospital_by_code(code: str) -> Hospital | None:
    """The institution of this code in the register, or None."""
    return _by_code(Hospital, code)


def hospitals_by_code(codes: list[str]) -> dict[str, Hospital]:
    """The institutions of these codes found in the register, by code: one cache round trip, and one
    query for those not cached (a code not in the register is left out, and not remembered)."""
    wanted = {code: _key(Hospital, code) for code in dict.fromkeys(codes) if code}
    cached = cache.get_many(list(wanted.values())) if wanted else {}
    found = {code: cached[key] for code, key in wanted.items() if key in cached}
    missing = [code for code in wanted if code not in found]
    if missing:
        fetched = {h.code: h for h in Hospital.objects.filter(code__in=missing)}
        cache.set_many({wanted[code]: h for code, h in fetched.items()}, TIMEOUT_SECONDS)
        found.update(fetched)
    return found


def catalogue_forget(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """Receiver of post_save and post_delete of Disease and Hospital: forget the row's cached entry."""
    _forget(sender, {str(getattr(instance, "code", ""))})


def catalogue_forget_old_code(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    """Receiver of pre_save: forget the entry under the code the row had (an admin may change a code)."""
    if instance.pk is not None and not instance._state.adding:
        _forget(sender, set(sender._default_manager.filter(pk=instance.pk).values_list("code", flat=True)))


def _forget(model: type[models.Model], codes: set[str]) -> None:
    keys = [_key(model, code) for code in codes if code]
    if keys:
        cache.delete_many(keys)
        # Again once the change is visible: a read between the save and the commit cached the old row.
        transaction.on_commit(lambda: cache.delete_many(keys))


def catalogue_signals_connect() -> None:
    for model in (Disease, Hospital):
        signals.pre_save.connect(catalogue_forget_old_code, sender=model, dispatch_uid=f"forget-old-{model.__name__}")
        signals.post_save.connect(catalogue_forget, sender=model, dispatch_uid=f"forget-{model.__name__}")
        signals.post_delete.connect(catalogue_forget, sender=model, dispatch_uid=f"forget-del-{model.__name__}")
