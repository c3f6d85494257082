"""The access log of private records (PIPL art. 51): every read of a document, a remote-filing proof
or a family member's authorisation is written here before the bytes are opened, and every read of an
application's record by a desk that filed it. Part of the kernel: the certification app logs
its proofs through it too, so the rule lives once."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import IO, Any

from django.db.models.fields.files import FieldFile

from accounts.models import User
from applications.models import DocumentAccess

logger = logging.getLogger(__name__)


def private_file_open(
    *,
    file: FieldFile,
    user: User,
    role: str,
    ip_address: str | None,
    user_agent: str = "",
    document: Any = None,
    remote_filing: Any = None,
    family_link: Any = None,
) -> IO[bytes]:
    """Log the access (who, in which role, from where), then open the stored bytes."""
    subjects = {"document": document, "remote_filing": remote_filing, "family_link": family_link}
    assert sum(value is not None for value in subjects.values()) == 1, "an access is to one private file"
    _log(user=user, role=role, ip_address=ip_address, user_agent=user_agent, **subjects)
    handle: IO[bytes] = file.open("rb")
    return handle


def record_reads_log(
    *, applications: Iterable[Any], user: User, role: str, ip_address: str | None, user_agent: str = ""
) -> None:
    """Log reads of applications' records themselves (the case page or a list of cases, not a file)."""
    rows = [
        DocumentAccess(
            application=application, user=user, role=role, ip_address=ip_address, user_agent=user_agent[:200]
        )
        for application in applications
    ]
    if not rows:
        return
    DocumentAccess.objects.bulk_create(rows)
    logger.info(
        "record read: applications=%s user=%s role=%s", ",".join(str(row.application_id) for row in rows), user.pk, role
    )


def _log(*, user: User, role: str, ip_address: str | None, user_agent: str, **subjects: Any) -> None:
    access = DocumentAccess.objects.create(
        user=user, role=role, ip_address=ip_address, user_agent=user_agent[:200], **subjects
    )
    logger.info(
        "private file access: access=%s %s user=%s role=%s",
        access.pk,
        " ".join(f"{name}={getattr(value, 'pk', None)}" for name, value in subjects.items() if value is not None),
        user.pk,
        role,
    )
