"""Reference data: the disease catalogue and its evidence rules, the designated hospitals, and the
insured-person registry, each loaded from a file by an idempotent import (upsert by code).

Row-level problems are collected and reported (the good rows are kept); a file that cannot be read
as a whole (missing, not JSON, wrong CSV header) raises ``ImportFileError`` before anything is written.
ID numbers never appear in full in a report: ``mask_id_number``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.identity import mask_id_number, validate_id_number
from applications.models import (
    MAX_RECORD_AGE_DAYS,
    Disease,
    DiseaseCategory,
    DocumentKind,
    Hospital,
    InsuranceType,
    InsuredPerson,
    InsuredStatus,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_CATALOGUE_PATH = DATA_DIR / "diseases.json"
DEFAULT_HOSPITALS_PATH = DATA_DIR / "hospitals.json"

# Checked for every application (checks.py), so never part of a disease's own rule.
BASE_KINDS = frozenset(
    {
        DocumentKind.ID_CARD_FRONT,
        DocumentKind.ID_CARD_BACK,
        DocumentKind.INSURANCE_CARD,
        DocumentKind.APPLICATION_FORM,
        DocumentKind.AGENT_ID_CARD,
    }
)
EVIDENCE_KINDS = frozenset(DocumentKind.values) - BASE_KINDS
EVIDENCE_OPERATORS = ("all", "any")
MAX_EVIDENCE_DEPTH = 8

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
CATALOGUE_CSV_OPTIONAL = ("reexam_evidence", "notes")
INSURED_CHUNK_SIZE = 1000

REGION_CODE_RE = re.compile(r"^\d{6}$")
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
    pass


# --- evidence rules --------------------------------------------------------------------------------


def evidence_validate(tree: object) -> None:
    """Raise ValidationError (Chinese, naming the bad node) unless ``tree`` is a well-formed evidence rule.

    A rule is a document kind (a leaf, never one of the base kinds) or a node ``{"all": [...]}`` /
    ``{"any": [...]}`` with exactly one key and a non-empty list of rules.
    """
    _evidence_validate(tree, path="evidence", depth=0)


def _evidence_validate(tree: object, *, path: str, depth: int) -> None:
    if depth > MAX_EVIDENCE_DEPTH:
        raise ValidationError(f"认定材料规则 {path} 嵌套超过 {MAX_EVIDENCE_DEPTH} 层。", code="evidence_too_deep")
    if isinstance(tree, str):
        if tree in BASE_KINDS:
            raise ValidationError(
                f"认定材料规则 {path}：“{tree}”是每份申请都须提交的基本材料，不应写入病种规则。",
                code="evidence_base_kind",
            )
        if tree not in EVIDENCE_KINDS:
            raise ValidationError(f"认定材料规则 {path}：材料种类“{tree}”不存在。", code="evidence_unknown_kind")
        return
    if not isinstance(tree, dict):
        raise ValidationError(
            f'认定材料规则 {path}：应为材料种类或 {{"all": [...]}} / {{"any": [...]}} 节点。',
            code="evidence_node_type",
        )
    keys = list(tree)
    if len(keys) != 1 or keys[0] not in EVIDENCE_OPERATORS:
        shown = "、".join(str(key) for key in keys) or "无"
        raise ValidationError(
            f"认定材料规则 {path}：节点须且只能有一个键 all 或 any（实际为：{shown}）。",
            code="evidence_node_keys",
        )
    operator = keys[0]
    children = tree[operator]
    if not isinstance(children, list) or not children:
        raise ValidationError(f"认定材料规则 {path}.{operator} 须为非空列表。", code="evidence_empty_node")
    for index, child in enumerate(children):
        _evidence_validate(child, path=f"{path}.{operator}[{index}]", depth=depth + 1)


def evidence_kinds(tree: object) -> set[str]:
    """Every document kind named in a (valid) evidence rule."""
    if isinstance(tree, str):
        return {tree}
    if isinstance(tree, dict):
        return {kind for children in tree.values() for child in children for kind in evidence_kinds(child)}
    return set()


# --- shared helpers --------------------------------------------------------------------------------


def _read_text(path: str | Path) -> str:
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"文件不存在：{path}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"文件不是 UTF-8 编码：{path}") from None


def _load_json(path: str | Path) -> Any:
    try:
        return json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"JSON 格式错误（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}") from None


def _csv_rows(file: TextIO, *, required: Iterable[str], optional: Iterable[str] = ()) -> Iterator[tuple[int, dict]]:
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


def _as_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValidationError(f"“{value}”不是是/否值（true/false）。")


def _as_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValidationError(f"“{value}”不是整数。")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(f"“{value}”不是整数。") from None
    if number < 0:
        raise ValidationError("不能为负数。")
    return number


def _as_ratio(value: object) -> Decimal:
    try:
        ratio = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"“{value}”不是比例（0 到 1 之间的小数）。") from None
    if not ratio.is_finite() or not Decimal(0) <= ratio <= Decimal(1):
        raise ValidationError(f"“{value}”不是比例（0 到 1 之间的小数）。")
    return ratio.quantize(Decimal("0.01"))


def _as_tree(value: object) -> object:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise ValidationError("不是有效的 JSON。") from None
    evidence_validate(value)
    return value


def _messages(error: ValidationError) -> str:
    return "；".join(error.messages)


M = TypeVar("M", bound=models.Model)


def _upsert(model: type[M], existing: dict[str, M], *, code: str, values: dict[str, Any], result: ImportResult) -> M:
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


def _model_errors(instance: models.Model, *, exclude: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The model's own field checks (lengths, validators) without the uniqueness queries."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return [(name, "；".join(messages)) for name, messages in exc.message_dict.items()]
    return []


# --- disease catalogue -----------------------------------------------------------------------------


@transaction.atomic
def catalogue_import(*, path: str | Path) -> ImportResult:
    """Upsert the categories and diseases of a catalogue file, by code.

    ``.csv``: a region's official list, one disease per row (columns ``CATALOGUE_CSV_COLUMNS``, plus
    optional ``reexam_evidence`` and ``notes``; ``category`` is the code of an existing category and
    ``evidence`` a JSON string). Anything else is read as JSON ``{"categories": [...], "diseases": [...]}``.
    Diseases missing from the file are left as they are (admins deactivate them).
    """
    category_result = ImportResult()
    result = ImportResult(categories=category_result)
    categories = {category.code: category for category in DiseaseCategory.objects.all()}
    if Path(path).suffix.lower() == ".csv":
        text = _read_text(path)
        items = [
            (f"line {line}", row)
            for line, row in _csv_rows(
                io.StringIO(text), required=CATALOGUE_CSV_COLUMNS, optional=CATALOGUE_CSV_OPTIONAL
            )
        ]
    else:
        data = _load_json(path)
        if not isinstance(data, dict) or not isinstance(data.get("diseases"), list):
            raise ImportFileError('病种目录文件应为 {"categories": [...], "diseases": [...]} 结构。')
        raw_categories = data.get("categories", [])
        if not isinstance(raw_categories, list):
            raise ImportFileError("categories 应为列表。")
        for index, raw in enumerate(raw_categories):
            _category_import(raw, location=f"categories[{index}]", categories=categories, result=category_result)
        items = [(f"diseases[{index}]", raw) for index, raw in enumerate(data["diseases"])]

    existing = {disease.code: disease for disease in Disease.objects.all()}
    seen: set[str] = set()
    for location, raw in items:
        values, errors = _disease_values(raw, categories=categories)
        code = values.pop("code", "")
        if code in seen:
            errors.append(("code", f"病种代码 {code} 在文件中重复。"))
        if errors:
            result.errors.extend(RowError(location, name, message) for name, message in errors)
            continue
        seen.add(code)
        _upsert(Disease, existing, code=code, values=values, result=result)
    return result


def _category_import(
    raw: object, *, location: str, categories: dict[str, DiseaseCategory], result: ImportResult
) -> None:
    if not isinstance(raw, dict):
        result.errors.append(RowError(location, "category", "应为对象。"))
        return
    code = str(raw.get("code") or "").strip()
    values: dict[str, Any] = {"name": str(raw.get("name") or "").strip()}
    errors: list[tuple[str, str]] = []
    try:
        values["sort_order"] = _as_int(raw.get("sort_order", 0))
    except ValidationError as exc:
        errors.append(("sort_order", _messages(exc)))
    errors += _model_errors(DiseaseCategory(code=code, **values), exclude=[name for name, _ in errors])
    if errors:
        result.errors.extend(RowError(location, name, message) for name, message in errors)
        return
    _upsert(DiseaseCategory, categories, code=code, values=values, result=result)


def _disease_values(
    raw: object, *, categories: dict[str, DiseaseCategory]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The model values of one disease entry, or the (field, message) problems found in it."""
    if not isinstance(raw, dict):
        return {}, [("disease", "应为对象。")]
    errors: list[tuple[str, str]] = []
    if raw.get("__shape__"):
        errors.append(("row", raw["__shape__"]))
    values: dict[str, Any] = {
        "code": str(raw.get("code") or "").strip(),
        "name": str(raw.get("name") or "").strip(),
        "notes": str(raw.get("notes") or "").strip(),
    }
    category_code = str(raw.get("category") or "").strip()
    category = categories.get(category_code)
    if category is None:
        errors.append(("category", f"病种类别“{category_code}”不存在。"))
    else:
        values["category_id"] = category.pk

    parsers: dict[str, Any] = {
        "evidence": _as_tree,
        "record_max_age_days": _as_int,
        "requires_hospital_appraisal": _as_bool,
        "requires_annual_reexam": _as_bool,
        "employee_ratio": _as_ratio,
        "employee_annual_limit": _as_int,
        "resident_ratio": _as_ratio,
        "resident_annual_limit": _as_int,
    }
    for name, parse in parsers.items():
        if raw.get(name) in (None, ""):
            errors.append((name, "不能为空。"))
            continue
        try:
            values[name] = parse(raw[name])
        except ValidationError as exc:
            errors.append((name, _messages(exc)))
    max_age = values.get("record_max_age_days")
    if max_age is not None and not 1 <= max_age <= MAX_RECORD_AGE_DAYS:
        errors.append(("record_max_age_days", f"应在1到{MAX_RECORD_AGE_DAYS}天之间。"))

    reexam = raw.get("reexam_evidence")
    values["reexam_evidence"] = None
    if reexam not in (None, ""):
        try:
            values["reexam_evidence"] = _as_tree(reexam)
        except ValidationError as exc:
            errors.append(("reexam_evidence", _messages(exc)))
    elif values.get("requires_annual_reexam") and "evidence" in values:
        # A region's list rarely spells out the re-examination rule: re-submit the initial evidence.
        values["reexam_evidence"] = values["evidence"]
    if "is_active" in raw:
        try:
            values["is_active"] = _as_bool(raw["is_active"])
        except ValidationError as exc:
            errors.append(("is_active", _messages(exc)))

    # The model's own checks (lengths, ratio bounds) for the fields that parsed.
    errors += _model_errors(Disease(**values), exclude=["category", *(name for name, _ in errors)])
    return values, errors


# --- hospitals -------------------------------------------------------------------------------------


@transaction.atomic
def hospitals_import(*, path: str | Path) -> ImportResult:
    """Upsert the designated institutions of a JSON file (``{"hospitals": [...]}`` or a list), by code."""
    data = _load_json(path)
    rows = data.get("hospitals") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise ImportFileError('医疗机构文件应为 {"hospitals": [...]} 结构。')
    result = ImportResult()
    existing = {hospital.code: hospital for hospital in Hospital.objects.all()}
    seen: set[str] = set()
    for index, raw in enumerate(rows):
        location = f"hospitals[{index}]"
        values, errors = _hospital_values(raw)
        code = values.pop("code", "")
        if code in seen:
            errors.append(("code", f"机构编码 {code} 在文件中重复。"))
        if errors:
            result.errors.extend(RowError(location, name, message) for name, message in errors)
            continue
        seen.add(code)
        _upsert(Hospital, existing, code=code, values=values, result=result)
    return result


def _hospital_values(raw: object) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    if not isinstance(raw, dict):
        return {}, [("hospital", "应为对象。")]
    errors: list[tuple[str, str]] = []
    values: dict[str, Any] = {
        "code": str(raw.get("code") or "").strip(),
        "name": str(raw.get("name") or "").strip(),
        "region_code": str(raw.get("region_code") or "").strip(),
    }
    try:
        values["level"] = _as_int(raw.get("level", ""))
    except ValidationError as exc:
        errors.append(("level", _messages(exc)))
    for name, default in (("is_designated", True), ("can_appraise", False)):
        try:
            values[name] = _as_bool(raw.get(name, default))
        except ValidationError as exc:
            errors.append((name, _messages(exc)))
    if not REGION_CODE_RE.match(values["region_code"]):
        errors.append(("region_code", "行政区划代码应为6位数字。"))
    errors += _model_errors(Hospital(**values), exclude=[name for name, _ in errors])
    return values, errors


# --- insured-person registry -----------------------------------------------------------------------

_INSURANCE_TYPES = {**{value: value for value in InsuranceType.values}, **{c.label: c.value for c in InsuranceType}}
_INSURED_STATUSES = {**{value: value for value in InsuredStatus.values}, **{c.label: c.value for c in InsuredStatus}}
_INSURED_FIELDS = ("name", "insurance_type", "region_code", "insured_since", "status")
NAME_MAX_LENGTH: int = InsuredPerson._meta.get_field("name").max_length or 50


@transaction.atomic
def insured_import(*, file: TextIO) -> InsuredImportResult:
    """Load the insured-person registry CSV (DESIGN §6); re-importing updates by ID number.

    Bad rows are reported with their line number and skipped; the good ones are written in chunks
    (one query for the existing rows of each chunk, bulk insert and bulk update).
    """
    result = InsuredImportResult()
    seen: set[str] = set()
    chunk: list[dict[str, Any]] = []
    for line, row in _csv_rows(file, required=INSURED_COLUMNS):
        values, errors = _insured_values(row)
        number = values.get("id_number")
        if number and number in seen:
            errors.append(("id_number", f"身份证号码 {mask_id_number(number)} 在文件中重复出现，本行未导入。"))
        if errors:
            result.errors.extend(RowError(f"line {line}", name, message) for name, message in errors)
            continue
        seen.add(values["id_number"])  # set: a row without errors has a valid ID number
        chunk.append(values)
        if len(chunk) >= INSURED_CHUNK_SIZE:
            _insured_write(chunk, result=result)
            chunk = []
    if chunk:
        _insured_write(chunk, result=result)
    return result


def _insured_values(row: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    if row.get("__shape__"):
        errors.append(("row", row["__shape__"]))
    values: dict[str, Any] = {}
    try:
        values["id_number"] = validate_id_number(row.get("id_number", ""))
    except ValidationError as exc:
        errors.append(("id_number", _messages(exc)))

    name = row.get("name", "")
    if not name:
        errors.append(("name", "姓名不能为空。"))
    elif len(name) > NAME_MAX_LENGTH:
        errors.append(("name", f"姓名不能超过 {NAME_MAX_LENGTH} 个字。"))
    values["name"] = name

    insurance_type = _INSURANCE_TYPES.get(row.get("insurance_type", "").lower())
    if insurance_type is None:
        errors.append(
            ("insurance_type", f"参保类型“{row.get('insurance_type', '')}”无效，应为 employee、resident 或 flexible。")
        )
    values["insurance_type"] = insurance_type

    status = _INSURED_STATUSES.get(row.get("status", "").lower())
    if status is None:
        errors.append(("status", f"参保状态“{row.get('status', '')}”无效，应为 active、suspended 或 terminated。"))
    values["status"] = status

    region_code = row.get("region_code", "")
    if not REGION_CODE_RE.match(region_code):
        errors.append(("region_code", "参保地区划代码应为6位数字。"))
    values["region_code"] = region_code

    raw_since = row.get("insured_since", "")
    try:
        since = dt.date.fromisoformat(raw_since)
    except ValueError:
        errors.append(("insured_since", f"参保起始日期“{raw_since}”不是 YYYY-MM-DD 格式的日期。"))
    else:
        if since > timezone.localdate():
            errors.append(("insured_since", "参保起始日期不能晚于今天。"))
        elif "id_number" in values and since.isoformat().replace("-", "") < values["id_number"][6:14]:
            errors.append(("insured_since", "参保起始日期早于身份证号码中的出生日期。"))
        values["insured_since"] = since
    return values, errors


def _insured_write(chunk: list[dict[str, Any]], *, result: InsuredImportResult) -> None:
    existing = InsuredPerson.objects.in_bulk([values["id_number"] for values in chunk], field_name="id_number")
    now = timezone.now()
    to_create: list[InsuredPerson] = []
    to_update: list[InsuredPerson] = []
    for values in chunk:
        person = existing.get(values["id_number"])
        if person is None:
            to_create.append(InsuredPerson(**values))
            continue
        changed = [name for name in _INSURED_FIELDS if getattr(person, name) != values[name]]
        if not changed:
            result.unchanged += 1
            continue
        for name in changed:
            setattr(person, name, values[name])
        person.updated_at = now  # bulk_update does not apply auto_now
        to_update.append(person)
    InsuredPerson.objects.bulk_create(to_create, batch_size=INSURED_CHUNK_SIZE)
    InsuredPerson.objects.bulk_update(to_update, [*_INSURED_FIELDS, "updated_at"], batch_size=INSURED_CHUNK_SIZE)
    result.created += len(to_create)
    result.updated += len(to_update)
