"""The stored files' half of a backup (the database's half is `pg_dump`, deploy/backup.sh): every
document and remote-filing proof copied from the storage (S3 or local) into a folder, with a manifest
of names, sizes and SHA-256; and the way back, which writes into the storage what it lacks, under the
same names, after checking each file against the manifest. Files are read through the storage API, so
S3's server-side encryption stays the store's business; the folder holds them in the clear and must be
kept like the database dump (encrypted disk, restricted access)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage

from applications.models import Document
from certification.models import RemoteFiling

MANIFEST = "manifest.json"


class BackupDamaged(Exception):
    """A file of the backup does not match its manifest."""


def _stored_names() -> list[str]:
    documents = Document.objects.filter(purged_at__isnull=True).exclude(file="").values_list("file", flat=True)
    proofs = RemoteFiling.objects.exclude(proof="").values_list("proof", flat=True)
    return sorted({*documents, *proofs})


def documents_backup(*, to: Path, storage: Storage | None = None) -> int:
    """Copy every stored file into `to` (made if missing); returns how many."""
    storage = storage or default_storage
    to.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name in _stored_names():
        with storage.open(name, "rb") as source:
            content = source.read()
        target = to / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        manifest.append({"name": name, "size": len(content), "sha256": hashlib.sha256(content).hexdigest()})
    (to / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return len(manifest)


def documents_restore(*, source: Path, storage: Storage | None = None) -> int:
    """Write back every file of the backup that the storage lacks; returns how many were written."""
    storage = storage or default_storage
    written = 0
    for entry in json.loads((source / MANIFEST).read_text()):
        name = entry["name"]
        content = (source / name).read_bytes()
        if hashlib.sha256(content).hexdigest() != entry["sha256"]:
            raise BackupDamaged(f"{name}: content does not match the manifest")
        if storage.exists(name):
            continue
        saved = storage.save(name, ContentFile(content))
        assert saved == name, f"the storage renamed {name} to {saved}"
        written += 1
    return written
