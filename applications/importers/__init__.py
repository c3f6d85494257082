"""Reference data loaded from files by idempotent imports (upsert by code): the disease catalogue and
its evidence rules, the designated hospitals, and the insured-person registry."""

from applications.importers.base import (
    CATALOGUE_CSV_COLUMNS,
    DEFAULT_CATALOGUE_PATH,
    DEFAULT_HOSPITALS_PATH,
    INSURED_COLUMNS,
    ImportFileError,
    ImportResult,
    InsuredImportResult,
    RowError,
)
from applications.importers.catalogue import catalogue_import
from applications.importers.registry import hospitals_import, insured_import

__all__ = [
    "CATALOGUE_CSV_COLUMNS",
    "DEFAULT_CATALOGUE_PATH",
    "DEFAULT_HOSPITALS_PATH",
    "INSURED_COLUMNS",
    "ImportFileError",
    "ImportResult",
    "InsuredImportResult",
    "RowError",
    "catalogue_import",
    "hospitals_import",
    "insured_import",
]
