"""What the importers share: the result and error types, reading JSON and CSV files, and the value
parsers. Row-level problems are collected and reported (the good rows are kept); a file that cannot
be read as a whole (missing, not JSON, wrong CSV header) raises ``ImportFileError`` before anything
is written."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from applications.evidence import evidence_validate

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_CATALOGUE_PATH = DATA_DIR / "diseases.json"
DEFAULT_HOSPITALS_PATH = DATA_DIR / "hospitals.json"

INSURED_COLUMNS = ("id_number", "name", "insurance_type", "region_code", "insured_since", "status")
CATALOGUE_CSV_COLUMNS = (
    "code",
    "name",
    "category",
    "evidence",
    "record_max_age_days",
    "requires_hospital_appraisal",
    "requires_annual_reexam",
    "employee_ratio",
    "employee_annual_limit",
    "resident_ratio",
    "resident_annual_limit",
)
CATALOGUE_CSV_OPTIONAL = ("reexam_evidence", "notes", "publication", "benefit_months")
INSURED_CHUNK_SIZE = 1000

REGION_CODE_RE = re.compile(r"^[0-9]{6}$")
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "是", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "否", "f", ""})


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, wrong header or structure)."""


@dataclass(frozen=True)
class RowError:
    location: str  # "line 7" for CSV, "diseases[3]" for JSON
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.field}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # For the catalogue: the categories' own counts (the main counts are the diseases').
    categories: ImportResult | None = None

    @property
    def rejected(self) -> int:
        """Rejected rows (a row with several bad fields counts once)."""
        return len({error.location for error in self.errors})

    def summary(self) -> str:
        return f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, rejected {self.rejected}"

    def report(self) -> list[str]:
        """The summary line, then one line per problem (what the import commands print)."""
        return [self.summary(), *(str(error) for error in self.errors), *(f"warning: {w}" for w in self.warnings)]


@dataclass
class InsuredImportResult(ImportResult):
    # The benefits whose status followed a changed insured status (masked lines, for the officers).
    affected: list[str] = field(default_factory=list)

    def report(self) -> list[str]:
        lines = super().report()
        if self.affected:
            lines.append(f"参保状态变更影响 {len(self.affected)} 项待遇认定：")
            lines += [f"  {line}" for line in self.affected]
        return lines


def read_text(path: str | Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"文件不存在：{path}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"文件不是 UTF-8 编码：{path}") from None


def load_json(path: str | Path) -> Any:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}") from None


def csv_rows(file: TextIO, *, required: Iterable[str], optional: Iterable[str] = ()) -> Iterator[tuple[int, dict]]:
    """Yield (line number, row dict) for each non-blank row, after checking the header.

    Tolerates a UTF-8 BOM (Excel), surrounding blanks and letter case in the header; a missing
    column is a file error, an unknown one is ignored. A row with missing cells, or with more
    non-blank cells than the header has columns, carries the explanation under ``__shape__``.
    """
    required = tuple(required)
    known = set(required) | set(optional)
    reader = csv.reader(file)
    header: list[str] | None = None
    for cells in reader:
        if any(cell.strip() for cell in cells):
            header = cells
            break
    if header is None:
        raise ImportFileError("文件为空，缺少表头：" + ",".join(required))
    names = [cell.replace("\ufeff", "").strip().lower() for cell in header]
    duplicated = sorted({name for name in names if name and names.count(name) > 1})
    if duplicated:
        raise ImportFileError("表头列名重复：" + "、".join(duplicated))
    missing = [name for name in required if name not in names]
    if missing:
        raise ImportFileError(
            "表头缺少列：" + "、".join(missing) + f"（应为：{','.join(required)}；实际为：{','.join(names)}）"
        )
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        row: dict[str, Any] = {
            name: cells[i].strip() for i, name in enumerate(names) if name in known and i < len(cells)
        }
        absent = [name for name in names[len(cells) :] if name in known]
        if absent:
            row["__shape__"] = "本行缺少列：" + "、".join(absent)
        elif any(cell.strip() for cell in cells[len(names) :]):
            row["__shape__"] = f"本行列数多于表头（{len(cells)} 列，表头 {len(names)} 列）"
        yield reader.line_num, row


def as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValidationError(f"“{value}”不是是/否值（true/false）。")


def as_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"“{value}”不是整数。")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"“{value}”不是整数。") from None
    if number < 0:
        raise ValidationError("不能为负数。")
    return number


def as_ratio(value: object) -> Decimal:
    try:
        ratio = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"“{value}”不是比例（0 到 1 之间的小数）。") from None
    if not ratio.is_finite() or not Decimal(0) <= ratio <= Decimal(1):
        raise ValidationError(f"“{value}”不是比例（0 到 1 之间的小数）。")
    return ratio.quantize(Decimal("0.01"))


def as_tree(value: object) -> object:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValidationError("不是有效的 JSON。") from None
    evidence_validate(value)
    return value


def error_text(error: ValidationError) -> str:
    return "；".join(error.messages)


M = TypeVar("M", bound=models.Model)


def upsert(model: type[M], existing: dict[str, M], *, code: str, values: dict[str, Any], result: ImportResult) -> M:
    """Create the row for ``code`` or update the fields that differ; count which happened."""
    obj = existing.get(code)
    if obj is None:
        obj = model(code=code, **values)
        obj.save()
        existing[code] = obj
        result.created += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        result.updated += 1
    else:
        result.unchanged += 1
    return obj


def model_errors(instance: models.Model, *, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The model's own field checks (lengths, validators) without the uniqueness queries."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return [(name, "；".join(messages)) for name, messages in exc.message_dict.items()]
    return []
