"""The backup and restore scripts of the deployment (deploy/backup.sh, deploy/restore.sh), tried for
real on PostgreSQL: a database with cases and stored scans is backed up, restored into an empty
database, and the copy holds the same rows (ID numbers still encrypted, still readable with the keys)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.certification.helpers import certified, holder
from tests.factories import DocumentFactory
from tests.samples import png_bytes

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ROOT = Path(__file__).resolve().parents[2]
TABLES = ("accounts_user", "applications_application", "applications_document", "applications_certification")


def url_of(name: str) -> str:
    params = connection.settings_dict
    host, port = params["HOST"] or "127.0.0.1", params["PORT"] or 5432
    return f"postgres://{params['USER']}:{params['PASSWORD'] or ''}@{host}:{port}/{name}"


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as db:
        return {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def run(script: str, *args: str, url: str, backup_dir: Path) -> None:
    """The script as the backup container runs it (its `python` is this environment's)."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DATABASE_URL": url,
        "BACKUP_DIR": str(backup_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    done = subprocess.run(
        ["sh", str(ROOT / "deploy" / script), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_backup_restores_into_an_empty_database_with_every_row(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore need PostgreSQL")
    for _ in range(2):
        certification = certified(holder())
        DocumentFactory(application=certification.application, file__data=png_bytes())
    source = url_of(connection.settings_dict["NAME"])
    run("backup.sh", url=source, backup_dir=tmp_path)
    (folder,) = [path for path in tmp_path.iterdir() if path.is_dir()]
    assert (folder / "db.dump").stat().st_size > 0 and (folder / "documents" / "manifest.json").exists()

    copy = f"restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{copy}"')
    try:
        run("restore.sh", str(folder), url=url_of(copy), backup_dir=tmp_path)
        assert counts(url_of(copy)) == counts(source)
        with psycopg.connect(url_of(copy)) as db:
            stored = db.execute("SELECT id_number FROM accounts_user WHERE id_number <> ''").fetchall()
        assert stored and all(value.startswith("gAAAAA") for (value,) in stored)  # still encrypted
    finally:
        with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
