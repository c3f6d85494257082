"""What the importers share: the result and error types, reading JSON and CSV files, and the value
parsers. Row-level problems are collected and reported (the good rows are kept); a file that cannot
be read as a whole (missing, not JSON, wrong CSV header, not a CSV or XLSX upload) raises
``ImportFileError`` before anything is written. A table is read the same way from a CSV file, an
uploaded CSV (UTF-8, UTF-8 with BOM or GB18030, detected) or the first sheet of an XLSX workbook."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO, TypeVar

import openpyxl
from django.core.exceptions import ValidationError
from django.db import models
from openpyxl.utils.datetime import from_excel

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
INSURED_MAX_ROWS = 100_000  # an uploaded registry file; larger ones go in parts (or through the command)

REGION_CODE_RE = re.compile(r"^[0-9]{6}$")
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "是", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "否", "f", ""})
# 2020-01-01, 2020/1/1, 2020.1.1, 2020年1月1日, optionally with a midnight time as spreadsheets export it.
DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
EXCEL_SERIAL_RE = re.compile(r"^\d{4,5}(?:\.0+)?$")  # a date cell read as its number (1902–2173)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, wrong header or structure)."""


@dataclass(frozen=True)
class RowError:
    location: str  # "line 7" for CSV, "diseases[3]" for JSON
    field: str
    message: str
    line: int | None = None  # the row number in the file (CSV line, spreadsheet row)

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


@dataclass(frozen=True)
class InsuredPreviewRow:
    """One row of an import as an officer sees it: masked, with what it does and why it is flagged."""

    line: int
    action: str  # "created", "updated" or "unchanged"
    id_number: str  # masked
    name: str  # masked
    insurance_type: str  # label
    region_code: str
    insured_since: dt.date
    status: str  # label
    changes: tuple[str, ...] = ()
    warning: str = ""


@dataclass
class InsuredImportResult(ImportResult):
    # The benefits whose status followed a changed insured status (masked lines, for the officers).
    affected: list[str] = field(default_factory=list)
    # Rows imported but marked: insured outside the pooling region.
    flagged: list[RowError] = field(default_factory=list)
    status_changed: int = 0
    sample: list[InsuredPreviewRow] = field(default_factory=list)

    def report(self) -> list[str]:
        lines = super().report() + [f"warning: {error}" for error in self.flagged]
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


def csv_rows(
    file: TextIO,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    aliases: Mapping[str, str] | None = None,
    max_rows: int | None = None,
) -> Iterator[tuple[int, dict]]:
    """``table_rows`` of a CSV file."""
    return table_rows(csv_cells(file), required=required, optional=optional, aliases=aliases, max_rows=max_rows)


def csv_cells(file: TextIO) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of a CSV file; the numbers are the file's physical lines."""
    reader = csv.reader(file)
    return ((reader.line_num, row) for row in reader)


def table_rows(
    cells: Iterable[tuple[int, list[str]]],
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    aliases: Mapping[str, str] | None = None,
    max_rows: int | None = None,
) -> Iterator[tuple[int, dict]]:
    """Yield (line number, row dict) for each non-blank row of (line number, cells), after checking the header.

    Tolerates a UTF-8 BOM (Excel), surrounding blanks and letter case in the header, and the header
    names of ``aliases`` (e.g. Chinese ones) for the column codes; a missing column is a file error,
    an unknown one is ignored. A row with missing cells, or with more non-blank cells than the header
    has columns, carries the explanation under ``__shape__``. More than ``max_rows`` rows is a file error.
    """
    required = tuple(required)
    known = set(required) | set(optional)
    aliases = {_header_name(name): code for name, code in (aliases or {}).items()}
    rows = iter(cells)
    header: list[str] | None = None
    for _, row_cells in rows:
        if any(cell.strip() for cell in row_cells):
            header = row_cells
            break
    if header is None:
        raise ImportFileError("文件为空，缺少表头：" + ",".join(required))
    names = [aliases.get(_header_name(cell), _header_name(cell)) for cell in header]
    duplicated = sorted({name for name in names if name and names.count(name) > 1})
    if duplicated:
        raise ImportFileError("表头列名重复：" + "、".join(duplicated))
    missing = [name for name in required if name not in names]
    if missing:
        labels = {code: name for name, code in reversed(list(aliases.items()))}  # the first alias of each code
        missing_text = "、".join(f"{labels[name]}（{name}）" if name in labels else name for name in missing)
        raise ImportFileError(f"表头缺少列：{missing_text}（应为：{','.join(required)}；实际为：{','.join(names)}）")
    count = 0
    for line, row_cells in rows:
        if not any(cell.strip() for cell in row_cells):
            continue
        count += 1
        if max_rows is not None and count > max_rows:
            raise ImportFileError(f"文件超过 {max_rows} 行，请分成几个文件分批导入。")
        row: dict[str, Any] = {
            name: row_cells[i].strip() for i, name in enumerate(names) if name in known and i < len(row_cells)
        }
        absent = [name for name in names[len(row_cells) :] if name in known]
        if absent:
            row["__shape__"] = "本行缺少列：" + "、".join(absent)
        elif any(cell.strip() for cell in row_cells[len(names) :]):
            row["__shape__"] = f"本行列数多于表头（{len(row_cells)} 列，表头 {len(names)} 列）"
        yield line, row


def _header_name(cell: str) -> str:
    return cell.replace("\ufeff", "").replace("\u3000", " ").strip().lower()


def upload_cells(*, data: bytes, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of an uploaded table: a CSV (UTF-8, with or without BOM, or GB18030) or the
    first sheet of an XLSX workbook, judged by its name's extension and then by its bytes."""
    extension = Path(filename).suffix.lower()
    if extension not in (".csv", ".xlsx"):
        hint = "；.xls 文件请在 Excel 中另存为 .xlsx 后上传" if extension == ".xls" else ""
        raise ImportFileError(f"只接受 CSV 或 Excel（.xlsx）文件{hint}。")
    if not data.strip():
        raise ImportFileError("上传的文件是空的，请重新选择文件。")
    if extension == ".xlsx":
        return xlsx_cells(data)
    if data.startswith(b"PK\x03\x04") or b"\x00" in data:
        raise ImportFileError("文件内容不是 CSV 文本：Excel 文件请保存为 .xlsx，或另存为 CSV 后上传。")
    return csv_cells(io.StringIO(decode_text(data), newline=""))


def decode_text(data: bytes) -> str:
    """UTF-8 (a BOM dropped) when the bytes are UTF-8, else GB18030 (Excel's "CSV" on a Chinese Windows)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("无法识别文件编码：请将 CSV 保存为 UTF-8 或 GB18030 编码后重新上传。")


# openpyxl's reading errors: not a zip, a zip without a workbook, broken XML inside.
_NOT_XLSX = "文件不是有效的 Excel（.xlsx）文件，请在 Excel 中另存为 .xlsx 或 CSV 后重新上传。"
_XLSX_ERRORS = (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError, IndexError)


def xlsx_cells(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells as text) of the first sheet; a date cell reads as YYYY-MM-DD."""
    if not data.startswith(b"PK\x03\x04"):
        raise ImportFileError(_NOT_XLSX)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _XLSX_ERRORS:
        raise ImportFileError(_NOT_XLSX) from None
    return _xlsx_rows(workbook)


def _xlsx_rows(workbook: Any) -> Iterator[tuple[int, list[str]]]:
    try:
        if not workbook.worksheets:
            return
        for number, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in values]
    except _XLSX_ERRORS:
        raise ImportFileError("Excel 文件已损坏，无法读取，请在 Excel 中另存为 .xlsx 或 CSV 后重新上传。") from None
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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


def as_date(value: object) -> dt.date:
    """2020-01-01, 2020/1/1, 2020年1月1日, 20200101 or an Excel date (a date cell, or its serial number)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if match := DATE_RE.match(text):
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        if len(text) == 8 and text.isdigit():
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if EXCEL_SERIAL_RE.match(text):
            serial = from_excel(int(float(text)))
            if isinstance(serial, dt.datetime):
                return serial.date()
    except (ValueError, OverflowError):
        pass
    raise ValidationError(f"“{text}”不是有效的日期（应为 2020-01-01、2020/1/1 或 Excel 日期）。")


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
