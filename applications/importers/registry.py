"""The registries: designated medical institutions (JSON, by code) and insured people (CSV, by ID
number). ID numbers never appear in full in a report: ``mask_id_number``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.identity import mask_id_number, validate_id_number
from applications.importers.base import (
    INSURED_CHUNK_SIZE,
    INSURED_COLUMNS,
    REGION_CODE_RE,
    ImportFileError,
    ImportResult,
    InsuredImportResult,
    RowError,
    as_bool,
    as_int,
    csv_rows,
    error_text,
    load_json,
    model_errors,
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
    for line, row in csv_rows(file, required=INSURED_COLUMNS):
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
    # Found through the blind index, keyed by the decrypted number.
    numbers = [values["id_number"] for values in chunk]
    existing = {person.id_number: person for person in InsuredPerson.objects.filter(id_number__in=numbers)}
    now = timezone.now()
    to_create: list[InsuredPerson] = []
    to_update: list[InsuredPerson] = []
    status_changes: list[tuple[InsuredPerson, str]] = []
    for values in chunk:
        person = existing.get(values["id_number"])
        if person is None:
            to_create.append(InsuredPerson(**values))
            continue
        changed = [name for name in _INSURED_FIELDS if getattr(person, name) != values[name]]
        if not changed:
            result.unchanged += 1
            continue
        previous_status = person.status
        for name in changed:
            setattr(person, name, values[name])
        person.updated_at = now  # bulk_update does not apply auto_now
        to_update.append(person)
        if person.status != previous_status:
            status_changes.append((person, previous_status))
    InsuredPerson.objects.bulk_create(to_create, batch_size=INSURED_CHUNK_SIZE)
    InsuredPerson.objects.bulk_update(to_update, [*_INSURED_FIELDS, "updated_at"], batch_size=INSURED_CHUNK_SIZE)
    # The benefits follow the insured status (suspended, terminated, restored).
    insured_statuses_changed(
        changes=status_changes, on=timezone.localdate(), effects=RegistryEffects(lines=result.affected)
    )
    result.created += len(to_create)
    result.updated += len(to_update)
