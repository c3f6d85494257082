"""The disease catalogue import: the shipped JSON or a region's CSV list, upserted by code."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from applications.importers.base import (
    CATALOGUE_CSV_COLUMNS,
    CATALOGUE_CSV_OPTIONAL,
    ImportFileError,
    ImportResult,
    RowError,
    as_bool,
    as_int,
    as_ratio,
    as_tree,
    csv_rows,
    error_text,
    load_json,
    model_errors,
    read_text,
    upsert,
)
from applications.models import MAX_RECORD_AGE_DAYS, Disease, DiseaseCategory, PublicationLevel
from reviews.announcements import announcement_entries_republish


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
        text = read_text(path)
        items = [
            (f"line {line}", row)
            for line, row in csv_rows(
                io.StringIO(text), required=CATALOGUE_CSV_COLUMNS, optional=CATALOGUE_CSV_OPTIONAL
            )
        ]
    else:
        data = load_json(path)
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
    republish: list[Disease] = []
    for location, raw in items:
        values, errors = _disease_values(raw, categories=categories)
        code = values.pop("code", "")
        if code in seen:
            errors.append(("code", f"病种代码 {code} 在文件中重复。"))
        if errors:
            result.errors.extend(RowError(location, name, message) for name, message in errors)
            continue
        seen.add(code)
        before = existing[code].publication if code in existing else None
        disease = upsert(Disease, existing, code=code, values=values, result=result)
        if before is not None and disease.publication != before:
            republish.append(disease)
    # What is already published follows the new rule at once.
    for disease in republish:
        announcement_entries_republish(disease=disease)
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
        values["sort_order"] = as_int(raw.get("sort_order", 0))
    except ValidationError as exc:
        errors.append(("sort_order", error_text(exc)))
    errors += model_errors(DiseaseCategory(code=code, **values), exclude=[name for name, _ in errors])
    if errors:
        result.errors.extend(RowError(location, name, message) for name, message in errors)
        return
    upsert(DiseaseCategory, categories, code=code, values=values, result=result)


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
        "evidence": as_tree,
        "record_max_age_days": as_int,
        "requires_hospital_appraisal": as_bool,
        "requires_annual_reexam": as_bool,
        "employee_ratio": as_ratio,
        "employee_annual_limit": as_int,
        "resident_ratio": as_ratio,
        "resident_annual_limit": as_int,
    }
    for name, parse in parsers.items():
        if raw.get(name) in (None, ""):
            errors.append((name, "不能为空。"))
            continue
        try:
            values[name] = parse(raw[name])
        except ValidationError as exc:
            errors.append((name, error_text(exc)))
    max_age = values.get("record_max_age_days")
    if max_age is not None and not 1 <= max_age <= MAX_RECORD_AGE_DAYS:
        errors.append(("record_max_age_days", f"应在1到{MAX_RECORD_AGE_DAYS}天之间。"))

    reexam = raw.get("reexam_evidence")
    values["reexam_evidence"] = None
    if reexam not in (None, ""):
        try:
            values["reexam_evidence"] = as_tree(reexam)
        except ValidationError as exc:
            errors.append(("reexam_evidence", error_text(exc)))
    elif values.get("requires_annual_reexam") and "evidence" in values:
        # A region's list rarely spells out the re-examination rule: re-submit the initial evidence.
        values["reexam_evidence"] = values["evidence"]
    # Optional columns: an entry without them keeps what an officer chose in the admin.
    for name in ("is_active", "requires_stamped_form"):
        if raw.get(name) not in (None, ""):
            try:
                values[name] = as_bool(raw[name])
            except ValidationError as exc:
                errors.append((name, error_text(exc)))
    if raw.get("benefit_months") not in (None, ""):
        try:
            values["benefit_months"] = as_int(raw["benefit_months"])
        except ValidationError as exc:
            errors.append(("benefit_months", error_text(exc)))
    # Only when the file says so: an entry without it keeps what an officer chose in the admin.
    if raw.get("publication") not in (None, ""):
        if raw["publication"] in PublicationLevel.values:
            values["publication"] = raw["publication"]
        else:
            errors.append(("publication", f"应为 {'、'.join(PublicationLevel.values)} 之一。"))

    # The model's own checks (lengths, ratio bounds) for the fields that parsed.
    errors += model_errors(Disease(**values), exclude=["category", *(name for name, _ in errors)])
    return values, errors
