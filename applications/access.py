"""The access log of private files (PIPL art. 51): every read of a document or of a remote-filing
proof is written here before the bytes are opened. Part of the kernel: the certification app logs
its proofs through it too, so the rule lives once."""

from __future__ import annotations

import logging
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
) -> IO[bytes]:
    """Log the access (who, in which role, from where), then open the stored bytes."""
    assert (document is None) != (remote_filing is None), "an access is to one document or one proof"
    access = DocumentAccess.objects.create(
        document=document,
        remote_filing=remote_filing,
        user=user,
        role=role,
        ip_address=ip_address,
        user_agent=user_agent[:200],
    )
    logger.info(
        "private file access: access=%s document=%s remote_filing=%s user=%s role=%s",
        access.pk,
        getattr(document, "pk", None),
        getattr(remote_filing, "pk", None),
        user.pk,
        role,
    )
    handle: IO[bytes] = file.open("rb")
    return handle
