import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from applications.evidence import evidence_kinds, evidence_validate
from applications.importers import (
    DEFAULT_CATALOGUE_PATH,
    DEFAULT_HOSPITALS_PATH,
    ImportFileError,
    catalogue_import,
    hospitals_import,
)
from applications.models import Disease, DiseaseCategory, Hospital

DESIGN_CODES = {
    "M00105", "M00201", "M00300", "M00503", "M00504", "M01102", "M01200", "M01600", "M02101", "M02102",
    "M02300", "M02500", "M03900", "M04301", "M04600", "M04803", "M05300", "M06201", "M06900", "M07101",
    "M07800", "M07803", "M07804", "M08300",
}  # fmt: skip
SEED_004_CATEGORIES = {"恶性肿瘤", "慢性肾病", "内分泌系统疾病", "心脑血管疾病"}
JIUQUAN_REGIONS = {"620902", "620921", "620922", "620923", "620924", "620981", "620982"}

CSV_HEADER = (
    "code,name,category,evidence,record_max_age_days,requires_hospital_appraisal,requires_annual_reexam,"
    "employee_ratio,employee_annual_limit,resident_ratio,resident_annual_limit"
)


@pytest.fixture
def shipped_catalogue(db):
    return catalogue_import(path=DEFAULT_CATALOGUE_PATH)


def _csv_file(tmp_path, *lines: str, name: str = "list.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- the shipped catalogue -------------------------------------------------------------------------


def test_shipped_catalogue_loads_without_errors(shipped_catalogue):
    assert shipped_catalogue.errors == []
    assert shipped_catalogue.categories.errors == []
    assert shipped_catalogue.created == Disease.objects.count() >= 45


def test_shipped_catalogue_covers_every_seed_004_category_with_several_diseases(shipped_catalogue):
    for name in SEED_004_CATEGORIES:
        category = DiseaseCategory.objects.get(name=name)
        assert category.diseases.count() >= 3, name


def test_shipped_catalogue_covers_the_other_common_groups(shipped_catalogue):
    names = set(Disease.objects.values_list("name", flat=True))
    for fragment in ["精神分裂症", "血友病", "再生障碍性贫血", "器官移植", "肺结核", "乙型肝炎", "艾滋病",
                     "慢性阻塞性肺疾病", "肝硬化", "类风湿关节炎", "系统性红斑狼疮", "帕金森病", "癫痫",
                     "甲状腺功能亢进", "血液透析", "腹膜透析", "尿毒症", "冠心病", "脑血管疾病后遗症"]:  # fmt: skip
        assert any(fragment in name for name in names), fragment


def test_shipped_catalogue_has_the_design_codes(shipped_catalogue):
    assert DESIGN_CODES <= set(Disease.objects.values_list("code", flat=True))


def test_shipped_evidence_trees_are_valid_and_skip_base_documents(shipped_catalogue):
    for disease in Disease.objects.all():
        evidence_validate(disease.evidence)
        assert "diagnosis_certificate" in evidence_kinds(disease.evidence) or "medical_record" in evidence_kinds(
            disease.evidence
        ), disease.code
        if disease.requires_annual_reexam:
            evidence_validate(disease.reexam_evidence)
        else:
            assert disease.reexam_evidence is None, disease.code


def test_shipped_policy_values_follow_seed_004(shipped_catalogue):
    for disease in Disease.objects.all():
        assert 180 <= disease.record_max_age_days <= 730, disease.code
        assert Decimal("0.70") <= disease.employee_ratio <= Decimal("0.90"), disease.code
        assert 5000 <= disease.employee_annual_limit <= 20000, disease.code
        assert Decimal("0.50") <= disease.resident_ratio <= Decimal("0.70"), disease.code
        assert 3000 <= disease.resident_annual_limit <= 15000, disease.code
        assert disease.employee_ratio > disease.resident_ratio, disease.code


def test_shipped_catalogue_marks_heavy_diseases_for_appraisal(shipped_catalogue):
    for code in ["M02101", "M07803", "M07804", "M08300"]:
        assert Disease.objects.get(code=code).requires_hospital_appraisal, code
    assert not Disease.objects.get(code="M03900").requires_hospital_appraisal


def test_malignant_tumour_evidence_needs_treatment_and_pathology_or_imaging(shipped_catalogue):
    tumour = Disease.objects.get(code="M00503")
    assert tumour.evidence == {
        "all": [
            {"any": ["diagnosis_certificate", "medical_record"]},
            "treatment_record",
            {"any": ["pathology_report", "imaging_report"]},
        ]
    }
    assert tumour.record_max_age_days == 730


# --- idempotent upsert -----------------------------------------------------------------------------


def test_catalogue_import_twice_changes_nothing(shipped_catalogue):
    again = catalogue_import(path=DEFAULT_CATALOGUE_PATH)
    assert (again.created, again.updated, again.errors) == (0, 0, [])
    assert again.unchanged == shipped_catalogue.created
    assert (again.categories.created, again.categories.updated) == (0, 0)


def test_catalogue_import_restores_an_edited_disease(shipped_catalogue):
    Disease.objects.filter(code="M01600").update(name="改过的名字", employee_annual_limit=1)
    again = catalogue_import(path=DEFAULT_CATALOGUE_PATH)
    assert (again.created, again.updated) == (0, 1)
    diabetes = Disease.objects.get(code="M01600")
    assert diabetes.name == "糖尿病"
    assert diabetes.employee_annual_limit == 5000


def test_catalogue_import_keeps_the_admins_is_active_flag(shipped_catalogue):
    Disease.objects.filter(code="M01600").update(is_active=False)
    catalogue_import(path=DEFAULT_CATALOGUE_PATH)
    assert not Disease.objects.get(code="M01600").is_active


def test_catalogue_import_missing_file_is_a_file_error(db, tmp_path):
    with pytest.raises(ImportFileError, match="文件不存在"):
        catalogue_import(path=tmp_path / "nope.json")


def test_catalogue_import_bad_json_is_a_file_error(db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"diseases": [', encoding="utf-8")
    with pytest.raises(ImportFileError, match="JSON"):
        catalogue_import(path=path)


def test_catalogue_json_import_reports_a_bad_disease_and_keeps_the_others(db, tmp_path):
    path = tmp_path / "catalogue.json"
    good = {
        "code": "M01600", "name": "糖尿病", "category": "endocrine",
        "evidence": {"all": ["diagnosis_certificate", "exam_report"]}, "record_max_age_days": 365,
        "requires_hospital_appraisal": False, "requires_annual_reexam": False, "reexam_evidence": None,
        "employee_ratio": 0.75, "employee_annual_limit": 5000, "resident_ratio": 0.55, "resident_annual_limit": 3000,
        "notes": "",
    }  # fmt: skip
    bad = {**good, "code": "M03900", "evidence": {"all": ["id_card_front"]}, "employee_ratio": 1.5}
    payload = {
        "categories": [{"code": "endocrine", "name": "内分泌系统疾病", "sort_order": 1}],
        "diseases": [good, bad],
    }
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")

    result = catalogue_import(path=path)

    assert result.created == 1
    assert {(e.location, e.field) for e in result.errors} == {
        ("diseases[1]", "evidence"),
        ("diseases[1]", "employee_ratio"),
    }
    assert list(Disease.objects.values_list("code", flat=True)) == ["M01600"]
    assert Disease.objects.get().employee_ratio == Decimal("0.75")


# --- evidence rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tree", "fragment"),
    [
        ({"all": ["diagnosis_certificate", "xray"]}, "“xray”不存在"),
        ({"all": ["diagnosis_certificate", "id_card_front"]}, "基本材料"),
        ({"all": ["diagnosis_certificate", {"any": ["application_form"]}]}, "evidence.all[1].any[0]"),
        ({"all": ["diagnosis_certificate", {"any": []}]}, "evidence.all[1].any 须为非空列表"),
        ({"all": []}, "非空列表"),
        ({"all": ["exam_report"], "any": ["imaging_report"]}, "只能有一个键"),
        ({"and": ["exam_report"]}, "只能有一个键"),
        ({}, "只能有一个键"),
        ({"all": "exam_report"}, "非空列表"),
        (["exam_report"], "节点"),
        (7, "节点"),
        (None, "节点"),
    ],
)
def test_evidence_validate_rejects_bad_trees(tree, fragment):
    with pytest.raises(ValidationError) as raised:
        evidence_validate(tree)
    assert fragment in raised.value.messages[0]


def test_evidence_validate_names_the_bad_node():
    with pytest.raises(ValidationError) as raised:
        evidence_validate({"all": ["diagnosis_certificate", {"any": ["imaging_report", "x_ray"]}]})
    assert "evidence.all[1].any[1]" in raised.value.messages[0]


def test_evidence_validate_accepts_a_leaf_and_nested_nodes():
    evidence_validate("diagnosis_certificate")
    evidence_validate({"all": [{"any": ["diagnosis_certificate", "medical_record"]}, "hospital_appraisal"]})


def test_evidence_validate_refuses_absurd_nesting():
    tree: object = "exam_report"
    for _ in range(20):
        tree = {"all": [tree]}
    with pytest.raises(ValidationError, match="嵌套"):
        evidence_validate(tree)


def test_evidence_kinds_lists_every_leaf():
    tree = {"all": [{"any": ["diagnosis_certificate", "medical_record"]}, "treatment_record"]}
    assert evidence_kinds(tree) == {"diagnosis_certificate", "medical_record", "treatment_record"}


# --- a region's official list as CSV ---------------------------------------------------------------


def test_csv_catalogue_import_reports_bad_rows_and_keeps_good_ones(shipped_catalogue, tmp_path):
    path = _csv_file(
        tmp_path,
        CSV_HEADER + ",notes",
        'M09901,矽肺,respiratory,"{""all"": [""diagnosis_certificate"", ""imaging_report""]}",730,true,false,'
        "0.85,15000,0.65,10000,地区目录",
        'M09902,某病,no_such_category,"{""all"": [""diagnosis_certificate""]}",365,false,false,0.8,10000,0.6,6000,',
        "M09903,某病二,endocrine,{not json},365,false,false,0.8,10000,0.6,6000,",
        "",
        'M09904,某病三,endocrine,"{""all"": [""insurance_card""]}",365,false,false,0.8,10000,0.6,6000,',
        'M01600,糖尿病,endocrine,"{""all"": [""diagnosis_certificate"", ""exam_report""]}",365,false,true,'
        "0.8,8000,0.6,4000,年度复查",
    )

    result = catalogue_import(path=path)

    assert (result.created, result.updated) == (1, 1)
    assert [(e.location, e.field) for e in result.errors] == [
        ("line 3", "category"),
        ("line 4", "evidence"),
        ("line 6", "evidence"),
    ]
    assert "no_such_category" in result.errors[0].message
    silicosis = Disease.objects.get(code="M09901")
    assert silicosis.category.code == "respiratory"
    assert silicosis.requires_hospital_appraisal
    assert silicosis.employee_ratio == Decimal("0.85")
    diabetes = Disease.objects.get(code="M01600")
    assert diabetes.employee_annual_limit == 8000
    # No re-examination rule in the list: the annual review asks for the initial evidence again.
    assert diabetes.reexam_evidence == diabetes.evidence
    assert not Disease.objects.filter(code__in=["M09902", "M09903", "M09904"]).exists()


def test_csv_catalogue_import_is_idempotent(shipped_catalogue, tmp_path):
    path = _csv_file(
        tmp_path,
        CSV_HEADER,
        'M09901,矽肺,respiratory,"{""all"": [""diagnosis_certificate"", ""imaging_report""]}",730,是,否,'
        "0.85,15000,0.65,10000",
    )
    assert catalogue_import(path=path).created == 1
    again = catalogue_import(path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_csv_catalogue_without_a_required_column_is_a_file_error(shipped_catalogue, tmp_path):
    path = _csv_file(tmp_path, "code,name,category,evidence", 'M09901,矽肺,respiratory,"[]"')
    with pytest.raises(ImportFileError, match="record_max_age_days"):
        catalogue_import(path=path)


# --- hospitals -------------------------------------------------------------------------------------


def test_shipped_hospitals_load(db):
    result = hospitals_import(path=DEFAULT_HOSPITALS_PATH)
    assert result.errors == []
    assert 15 <= result.created == Hospital.objects.count() <= 25
    assert {1, 2, 3} == set(Hospital.objects.values_list("level", flat=True))
    assert JIUQUAN_REGIONS <= set(Hospital.objects.values_list("region_code", flat=True))
    for hospital in Hospital.objects.all():
        assert hospital.can_appraise == (hospital.level == 3), hospital.code
        assert hospital.code.startswith("H" + hospital.region_code), hospital.code
    assert Hospital.objects.get(name="酒泉市人民医院").level == 3


def test_hospitals_import_twice_changes_nothing(db):
    first = hospitals_import(path=DEFAULT_HOSPITALS_PATH)
    again = hospitals_import(path=DEFAULT_HOSPITALS_PATH)
    assert (again.created, again.updated, again.unchanged) == (0, 0, first.created)


def test_hospitals_import_reports_a_bad_entry(db, tmp_path):
    path = tmp_path / "hospitals.json"
    rows = [
        {"code": "H62090299991", "name": "测试医院", "level": 2, "region_code": "620902"},
        {"code": "H62090299992", "name": "坏医院", "level": 5, "region_code": "6209"},
    ]
    path.write_text(json.dumps({"hospitals": rows}, ensure_ascii=False), encoding="utf-8")
    result = hospitals_import(path=path)
    assert result.created == 1
    assert {(e.location, e.field) for e in result.errors} == {
        ("hospitals[1]", "region_code"),
        ("hospitals[1]", "level"),
    }
    assert Hospital.objects.get().can_appraise is False


# --- commands --------------------------------------------------------------------------------------


def test_import_catalogue_command_loads_the_shipped_file(db):
    out = StringIO()
    call_command("import_catalogue", stdout=out)
    assert "diseases: created" in out.getvalue()
    assert Disease.objects.count() >= 45
    out = StringIO()
    call_command("import_catalogue", stdout=out)
    assert "diseases: created 0, updated 0" in out.getvalue()


def test_import_catalogue_command_prints_row_errors(shipped_catalogue, tmp_path):
    path = _csv_file(
        tmp_path, CSV_HEADER, 'M09902,某病,nope,"{""all"": [""exam_report""]}",365,false,false,0.8,10000,0.6,6000'
    )
    out = StringIO()
    call_command("import_catalogue", str(path), stdout=out)
    assert "rejected 1" in out.getvalue()
    assert "line 2: category:" in out.getvalue()


def test_import_catalogue_command_fails_on_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_catalogue", str(tmp_path / "missing.csv"))


def test_import_hospitals_command(db, tmp_path):
    out = StringIO()
    call_command("import_hospitals", stdout=out)
    assert "hospitals: created" in out.getvalue()
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_hospitals", str(tmp_path / "missing.json"))


@pytest.mark.django_db
def test_csv_catalogue_refuses_an_absurd_record_age(tmp_path):
    from applications.importers import catalogue_import
    from applications.models import Disease

    catalogue_import(path=DEFAULT_CATALOGUE_PATH)
    path = tmp_path / "list.csv"
    path.write_text(
        "code,name,category,evidence,record_max_age_days,requires_hospital_appraisal,requires_annual_reexam,"
        "employee_ratio,employee_annual_limit,resident_ratio,resident_annual_limit\n"
        'X00001,测试病,endocrine,"[""diagnosis_certificate""]",99999999999,false,false,0.8,10000,0.6,6000\n'.replace(
            '"[""diagnosis_certificate""]"', '"""diagnosis_certificate"""'
        ),
        encoding="utf-8",
    )
    result = catalogue_import(path=path)
    assert result.rejected == 1
    assert not Disease.objects.filter(code="X00001").exists()
