"""The registries: designated medical institutions (JSON, by code) and insured people (CSV or XLSX, by
ID number; the command and the admin's upload share ``insured_import``). ID numbers never appear in
full in a report or a preview: ``mask_id_number``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.identity import mask_id_number, mask_name, validate_id_number
from applications.importers.base import (
    INSURED_CHUNK_SIZE,
    INSURED_COLUMNS,
    REGION_CODE_RE,
    ImportFileError,
    ImportResult,
    InsuredImportResult,
    InsuredPreviewRow,
    RowError,
    as_bool,
    as_date,
    as_int,
    csv_cells,
    error_text,
    load_json,
    model_errors,
    table_rows,
    upsert,
)
from applications.models import Hospital, InsuranceType, InsuredPerson, InsuredStatus
from certification.lifecycle import RegistryEffects, insured_statuses_changed, registry_effects_report


@transaction.atomic
def hospitals_import(*, path: str | Path) -> ImportResult:
    """Upsert the designated institutions of a JSON file (``{"hospitals": [...]}`` or a list), by code."""
    data = load_json(path)
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
        upsert(Hospital, existing, code=code, values=values, result=result)
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
        values["level"] = as_int(raw.get("level", ""))
    except ValidationError as exc:
        errors.append(("level", error_text(exc)))
    for name, default in (("is_designated", True), ("can_appraise", False)):
        try:
            values[name] = as_bool(raw.get(name, default))
        except ValidationError as exc:
            errors.append((name, error_text(exc)))
    if not REGION_CODE_RE.match(values["region_code"]):
        errors.append(("region_code", "行政区划代码应为6位数字。"))
    errors += model_errors(Hospital(**values), exclude=[name for name, _ in errors])
    return values, errors


_INSURANCE_TYPES = {
    **{value: value for value in InsuranceType.values},
    **{c.label: c.value for c in InsuranceType},
    **{"职工": InsuranceType.EMPLOYEE, "城镇职工": InsuranceType.EMPLOYEE, "居民": InsuranceType.RESIDENT},
    **{"城乡居民": InsuranceType.RESIDENT},
}
_INSURED_STATUSES = {
    **{value: value for value in InsuredStatus.values},
    **{c.label: c.value for c in InsuredStatus},
    **{"正常": InsuredStatus.ACTIVE, "暂停": InsuredStatus.SUSPENDED, "终止": InsuredStatus.TERMINATED},
}
_INSURED_FIELDS = ("name", "insurance_type", "region_code", "insured_since", "status")
NAME_MAX_LENGTH: int = InsuredPerson._meta.get_field("name").max_length or 50
# The column codes and their Chinese names (the first one is how a missing column is named).
INSURED_COLUMN_LABELS = {
    "id_number": "身份证号码",
    "name": "姓名",
    "insurance_type": "参保类型",
    "region_code": "参保地区划代码",
    "insured_since": "参保起始日期",
    "status": "参保状态",
    "row": "整行",
}
INSURED_HEADER_ALIASES = {
    **{label: code for code, label in INSURED_COLUMN_LABELS.items() if code != "row"},
    **{"身份证号码（18位）": "id_number", "统筹区": "region_code", "统筹区划代码": "region_code"},
}
_ACTIONS = ("created", "updated", "unchanged")


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, Any]
    warning: str


@transaction.atomic
def insured_import(
    *,
    file: TextIO | None = None,
    cells: Iterable[tuple[int, list[str]]] | None = None,
    dry_run: bool = False,
    sample_size: int = 0,
    max_rows: int | None = None,
) -> InsuredImportResult:
    """Load the insured-person registry (DESIGN §6) from a CSV ``file`` or a table's ``cells``
    (``upload_cells``: an uploaded CSV or XLSX); re-importing updates by ID number.

    Bad rows are reported with their line number and skipped; the good ones are written in chunks
    (one query for the existing rows of each chunk, bulk insert and bulk update). A row insured
    outside the pooling region is imported and flagged. ``dry_run`` counts and reports exactly what
    the import would do and writes nothing; ``sample_size`` keeps that many masked rows of each
    kind (and of the flagged ones) for a preview.
    """
    if cells is None:
        if file is None:
            raise TypeError("insured_import needs a file or cells")
        cells = csv_cells(file)
    result = InsuredImportResult()
    seen: set[str] = set()
    chunk: list[_Row] = []
    rows = table_rows(cells, required=INSURED_COLUMNS, aliases=INSURED_HEADER_ALIASES, max_rows=max_rows)
    for line, row in rows:
        values, errors = _insured_values(row)
        number = values.get("id_number")
        if number and number in seen:
            errors.append(("id_number", f"身份证号码 {mask_id_number(number)} 在文件中重复出现，本行未导入。"))
        if errors:
            result.errors.extend(RowError(f"line {line}", name, message, line) for name, message in errors)
            continue
        seen.add(values["id_number"])  # set: a row without errors has a valid ID number
        warning = _insured_warning(values)
        if warning:
            result.flagged.append(RowError(f"line {line}", "region_code", warning, line))
        chunk.append(_Row(line, values, warning))
        if len(chunk) >= INSURED_CHUNK_SIZE:
            _insured_write(chunk, result=result, dry_run=dry_run, sample_size=sample_size)
            chunk = []
    if chunk:
        _insured_write(chunk, result=result, dry_run=dry_run, sample_size=sample_size)
    if not dry_run:
        registry_effects_report(effects=RegistryEffects(lines=result.affected), on=timezone.localdate())
    return result


def _insured_values(row: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    errors: list[tuple[str, str]] = []
    if row.get("__shape__"):
        errors.append(("row", row["__shape__"]))
    values: dict[str, Any] = {}
    try:
        values["id_number"] = validate_id_number(row.get("id_number", ""))
    except ValidationError as exc:
        errors.append(("id_number", error_text(exc)))

    name = row.get("name", "")
    if not name:
        errors.append(("name", "姓名不能为空。"))
    elif len(name) > NAME_MAX_LENGTH:
        errors.append(("name", f"姓名不能超过 {NAME_MAX_LENGTH} 个字。"))
    values["name"] = name

    insurance_type = _INSURANCE_TYPES.get(row.get("insurance_type", "").lower())
    if insurance_type is None:
        errors.append(
            (
                "insurance_type",
                f"参保类型“{row.get('insurance_type', '')}”无效，应为 职工、居民、灵活就业"
                "（或 employee、resident、flexible）。",
            )
        )
    values["insurance_type"] = insurance_type

    status = _INSURED_STATUSES.get(row.get("status", "").lower())
    if status is None:
        errors.append(
            (
                "status",
                f"参保状态“{row.get('status', '')}”无效，应为 正常、暂停、终止（或 active、suspended、terminated）。",
            )
        )
    values["status"] = status

    region_code = row.get("region_code", "")
    if not REGION_CODE_RE.match(region_code):
        errors.append(("region_code", "参保地区划代码应为6位数字。"))
    values["region_code"] = region_code

    raw_since = row.get("insured_since", "")
    try:
        since = as_date(raw_since)
    except ValidationError:
        errors.append(
            ("insured_since", f"参保起始日期“{raw_since}”不是有效的日期（应为 2020-01-01、2020/1/1 或 Excel 日期）。")
        )
    else:
        if since > timezone.localdate():
            errors.append(("insured_since", "参保起始日期不能晚于今天。"))
        elif "id_number" in values and since.isoformat().replace("-", "") < values["id_number"][6:14]:
            errors.append(("insured_since", "参保起始日期早于身份证号码中的出生日期。"))
        values["insured_since"] = since
    return values, errors


def _insured_warning(values: dict[str, Any]) -> str:
    """Insured outside the pooling region: imported (the registry is the fund's), but an officer looks."""
    prefix = settings.POOLING_REGION_PREFIX
    if values["region_code"].startswith(prefix):
        return ""
    return f"参保地区划代码 {values['region_code']} 不在本统筹区（应以 {prefix} 开头），仍予导入，请核实。"


def _insured_write(chunk: list[_Row], *, result: InsuredImportResult, dry_run: bool, sample_size: int) -> None:
    # Found through the blind index, keyed by the decrypted number.
    numbers = [row.values["id_number"] for row in chunk]
    existing = {person.id_number: person for person in InsuredPerson.objects.filter(id_number__in=numbers)}
    now = timezone.now()
    to_create: list[InsuredPerson] = []
    to_update: list[InsuredPerson] = []
    status_changes: list[tuple[InsuredPerson, str]] = []
    for row in chunk:
        values = row.values
        person = existing.get(values["id_number"])
        if person is None:
            to_create.append(InsuredPerson(**values))
            _sample(result, row, "created", (), sample_size)
            continue
        changed = [name for name in _INSURED_FIELDS if getattr(person, name) != values[name]]
        if not changed:
            result.unchanged += 1
            _sample(result, row, "unchanged", (), sample_size)
            continue
        _sample(result, row, "updated", _changes(person, values, changed), sample_size)
        previous_status = person.status
        for name in changed:
            setattr(person, name, values[name])
        person.updated_at = now  # bulk_update does not apply auto_now
        to_update.append(person)
        if person.status != previous_status:
            status_changes.append((person, previous_status))
    result.created += len(to_create)
    result.updated += len(to_update)
    result.status_changed += len(status_changes)
    if dry_run:
        return
    InsuredPerson.objects.bulk_create(to_create, batch_size=INSURED_CHUNK_SIZE)
    InsuredPerson.objects.bulk_update(to_update, [*_INSURED_FIELDS, "updated_at"], batch_size=INSURED_CHUNK_SIZE)
    # The benefits follow the insured status (suspended, terminated, restored).
    insured_statuses_changed(
        changes=status_changes, on=timezone.localdate(), effects=RegistryEffects(lines=result.affected)
    )


def _changes(person: InsuredPerson, values: dict[str, Any], changed: list[str]) -> tuple[str, ...]:
    """What an update changes, as an officer reads it (a name is not shown, only that it changes)."""
    shown = []
    for name in changed:
        label = INSURED_COLUMN_LABELS[name]
        if name == "name":
            shown.append(label)
            continue
        before, after = getattr(person, name), values[name]
        if name in ("insurance_type", "status"):
            choices = InsuranceType if name == "insurance_type" else InsuredStatus
            before, after = choices(before).label, choices(after).label
        shown.append(f"{label}：{before} → {after}")
    return tuple(shown)


def _sample(result: InsuredImportResult, row: _Row, action: str, changes: tuple[str, ...], size: int) -> None:
    if size <= 0:
        return
    taken = sum(1 for shown in result.sample if shown.action == action and not shown.warning)
    flagged = sum(1 for shown in result.sample if shown.warning)
    if not (taken < size or (row.warning and flagged < size)):
        return
    values = row.values
    result.sample.append(
        InsuredPreviewRow(
            line=row.line,
            action=action,
            id_number=mask_id_number(values["id_number"]),
            name=mask_name(values["name"]),
            insurance_type=InsuranceType(values["insurance_type"]).label,
            region_code=values["region_code"],
            insured_since=values["insured_since"],
            status=InsuredStatus(values["status"]).label,
            changes=changes,
            warning=row.warning,
        )
    )
