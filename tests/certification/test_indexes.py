"""The certification table carries no index that another already serves: every index is one more entry
to write for each row the annual-review sweep updates (a million on a day when all are due)."""

import pytest
from django.db import connection

from certification.models import Certification

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the index definitions are read from pg_index"),
]


def plain_indexes() -> dict[str, tuple[str, ...]]:
    """Name → key columns of the table's non-unique btree indexes on plain columns (opclass included)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(x.indexrelid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = %s AND NOT x.indisunique AND x.indexprs IS NULL
            """,
            [Certification._meta.db_table],
        )
        rows = cursor.fetchall()
    return {
        name: tuple(c.strip() for c in definition.split("(", 1)[1].rstrip(")").split(",")) for name, definition in rows
    }


def test_no_index_is_a_prefix_of_another():
    indexes = plain_indexes()
    assert "certification_status_due_id" in indexes
    redundant = [
        (short, long)
        for short, columns in indexes.items()
        for long, longer in indexes.items()
        if short != long and len(columns) < len(longer) and longer[: len(columns)] == columns
    ]
    assert redundant == []
