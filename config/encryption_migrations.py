"""The data step of the migrations that moved ID numbers and phones to encrypted columns: encrypt the
plain values a table holds and fill their blind indexes (and back, when the migration is reversed).

Raw SQL in batches, on the table's own columns: the historical models of those migrations would try
to decrypt the plain values they read. Values that are already tokens are left alone, so a step that
was interrupted can run again."""

from __future__ import annotations

from typing import Any

from django.db import migrations

from config.crypto import TOKEN_PREFIX, blind_index, decrypt, encrypt

BATCH = 2000


def encrypt_columns(table: str, columns: dict[str, str | None]) -> migrations.RunPython:
    """A RunPython that encrypts `columns` (value column -> its blind-index column, or None) of `table`."""

    def forward(apps: Any, schema_editor: Any) -> None:
        _convert(schema_editor.connection, table, columns, encrypting=True)

    def backward(apps: Any, schema_editor: Any) -> None:
        _convert(schema_editor.connection, table, columns, encrypting=False)

    return migrations.RunPython(forward, backward, elidable=False)


def _convert(connection: Any, table: str, columns: dict[str, str | None], *, encrypting: bool) -> None:
    quote = connection.ops.quote_name
    names = list(columns)
    selected = ", ".join(quote(name) for name in names)
    assignments = []
    for name, index in columns.items():
        assignments.append(f"{quote(name)} = %s")
        if index is not None:
            assignments.append(f"{quote(index)} = %s")
    update = f"UPDATE {quote(table)} SET {', '.join(assignments)} WHERE id = %s"  # noqa: S608
    last: Any = None
    with connection.cursor() as reader, connection.cursor() as writer:
        while True:
            where = "" if last is None else "WHERE id > %s"
            reader.execute(
                f"SELECT id, {selected} FROM {quote(table)} {where} ORDER BY id LIMIT {BATCH}",  # noqa: S608
                [] if last is None else [last],
            )
            rows = reader.fetchall()
            if not rows:
                return
            changes = []
            for pk, *values in rows:
                params: list[Any] = []
                for index, value in zip(columns.values(), values, strict=True):
                    value = value or ""
                    is_token = value.startswith(TOKEN_PREFIX)
                    plain = (decrypt(value) if is_token else value) if value else ""
                    params.append(encrypt(plain) if encrypting else plain)
                    if index is not None:
                        params.append(blind_index(plain) if encrypting else "")
                changes.append([*params, pk])
            writer.executemany(update, changes)
            last = rows[-1][0]
