import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from stdnum.cn import ric

from accounts.identity import validate_id_number
from applications.importers import ImportFileError, insured_import
from applications.models import InsuranceType, InsuredPerson, InsuredStatus

HEADER = "id_number,name,insurance_type,region_code,insured_since,status"
# Valid numbers (MOD 11-2 check digit), from the demo registry.
ZHANG = "620902196003150114"
LI = "620902196508220245"
WANG = "620902197211040352"
HE = "620902199208121628"
BAD_CHECK_DIGIT = "620902196003150115"
DEMO_CSV = Path(__file__).resolve().parents[2] / "applications" / "data" / "insured_demo.csv"

pytestmark = pytest.mark.django_db


def _import(*lines: str):
    return insured_import(file=StringIO("\n".join(lines) + "\n"))


def _id_number(n: int) -> str:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=n // 500)
    body = f"620902{birth:%Y%m%d}{n % 500 + 100:03d}"
    return body + ric.calc_check_digit(body + "0")


def test_good_rows_are_created():
    result = _import(
        HEADER,
        f"{ZHANG},张建国,employee,620902,1998-07-01,active",
        f"{LI},李秀兰,resident,620902,2007-01-01,suspended",
    )
    assert (result.created, result.updated, result.unchanged, result.rejected) == (2, 0, 0, 0)
    zhang = InsuredPerson.objects.get(id_number=ZHANG)
    assert zhang.name == "张建国"
    assert zhang.insurance_type == InsuranceType.EMPLOYEE
    assert zhang.insured_since == dt.date(1998, 7, 1)
    assert zhang.status == InsuredStatus.ACTIVE


def test_reimport_updates_a_changed_status():
    _import(
        HEADER, f"{ZHANG},张建国,employee,620902,1998-07-01,active", f"{LI},李秀兰,resident,620902,2007-01-01,active"
    )
    before = InsuredPerson.objects.get(id_number=ZHANG).updated_at

    result = _import(
        HEADER,
        f"{ZHANG},张建国,employee,620902,1998-07-01,terminated",
        f"{LI},李秀兰,resident,620902,2007-01-01,active",
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    zhang = InsuredPerson.objects.get(id_number=ZHANG)
    assert zhang.status == InsuredStatus.TERMINATED
    assert zhang.updated_at > before
    assert InsuredPerson.objects.count() == 2


def test_reimporting_the_same_file_changes_nothing():
    lines = (HEADER, f"{ZHANG},张建国,employee,620902,1998-07-01,active")
    _import(*lines)
    result = _import(*lines)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)


def test_bad_rows_are_reported_with_their_line_numbers_and_good_rows_kept():
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    result = _import(
        HEADER,
        f"{ZHANG},张建国,employee,620902,1998-07-01,active",  # line 2
        f"{BAD_CHECK_DIGIT},坏号码,employee,620902,1998-07-01,active",  # line 3
        f"{LI},李秀兰,civil_servant,620902,2007-01-01,active",  # line 4
        f"{WANG},王志强,employee,620902,{tomorrow.isoformat()},active",  # line 5
        f"{HE},,employee,620902,2016-09-01,active",  # line 6
        "620902195802090571,马永福,resident,620902,2008-01-01,active",  # line 7
    )

    assert (result.created, result.rejected) == (2, 4)
    assert [(e.location, e.field) for e in result.errors] == [
        ("line 3", "id_number"),
        ("line 4", "insurance_type"),
        ("line 5", "insured_since"),
        ("line 6", "name"),
    ]
    assert "校验位" in result.errors[0].message
    assert "civil_servant" in result.errors[1].message
    assert "晚于今天" in result.errors[2].message
    assert set(InsuredPerson.objects.values_list("id_number", flat=True)) == {ZHANG, "620902195802090571"}


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (f"{ZHANG},张建国,employee,62090,1998-07-01,active", "region_code"),
        (f"{ZHANG},张建国,employee,620902,1998/13/01,active", "insured_since"),  # no 13th month
        (f"{ZHANG},张建国,employee,620902,1950-01-01,active", "insured_since"),  # before the birth date
        (f"{ZHANG},张建国,employee,620902,1998-07-01,gone", "status"),
        ("62090219600315011,张建国,employee,620902,1998-07-01,active", "id_number"),
        (f"{ZHANG},张建国,employee,620902,1998-07-01", "row"),
        (f"{ZHANG},张建国,employee,620902,1998-07-01,active,surplus", "row"),
    ],
)
def test_each_bad_field_is_named(row, field):
    result = _import(HEADER, row)
    assert result.created == 0
    assert field in {e.field for e in result.errors}
    assert all(e.location == "line 2" for e in result.errors)


def test_chinese_labels_and_letter_case_are_accepted():
    result = _import(HEADER, f"{ZHANG}, 张建国 ,职工医保,620902,1998-07-01,ACTIVE")
    assert result.errors == []
    person = InsuredPerson.objects.get()
    assert (person.name, person.insurance_type, person.status) == ("张建国", "employee", "active")


def test_lower_case_x_check_digit_is_normalised():
    number = "62092119620918073X"
    _import(HEADER, f"{number.lower()},赵德福,employee,620921,1996-10-01,active")
    assert InsuredPerson.objects.get().id_number == number


def test_a_utf8_bom_from_excel_is_handled():
    result = insured_import(
        file=StringIO("\ufeff" + HEADER + "\r\n" + f"{ZHANG},张建国,employee,620902,1998-07-01,active\r\n")
    )
    assert (result.created, result.errors) == (1, [])


def test_blank_lines_are_skipped_and_line_numbers_stay_physical():
    result = _import(
        HEADER,
        "",
        f"{ZHANG},张建国,employee,620902,1998-07-01,active",
        ",,,,,",
        f"{BAD_CHECK_DIGIT},坏号码,employee,620902,1998-07-01,active",
    )
    assert result.created == 1
    assert [e.location for e in result.errors] == ["line 5"]


def test_an_unknown_extra_column_is_ignored():
    result = _import(HEADER + ",remark", f"{ZHANG},张建国,employee,620902,1998-07-01,active,备注")
    assert (result.created, result.errors) == (1, [])


def test_a_duplicate_id_number_in_the_file_is_reported_masked():
    result = _import(
        HEADER,
        f"{ZHANG},张建国,employee,620902,1998-07-01,active",
        f"{ZHANG},张建国,resident,620902,1998-07-01,active",
    )
    assert result.created == 1
    assert [(e.location, e.field) for e in result.errors] == [("line 3", "id_number")]
    assert "6209**********0114" in result.errors[0].message
    assert ZHANG not in result.errors[0].message
    assert InsuredPerson.objects.get().insurance_type == "employee"


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        ("id_number,name,insurance_type,region_code,insured_since", "status"),
        ("身份证号,姓名,参保类型,区划,参保日期,状态", "id_number"),
        ("id_number,name,name,insurance_type,region_code,insured_since,status", "name"),
    ],
)
def test_a_wrong_header_is_an_error_naming_the_column(header, missing):
    with pytest.raises(ImportFileError, match=missing):
        _import(header, f"{ZHANG},张建国,employee,620902,1998-07-01,active")
    assert not InsuredPerson.objects.exists()


def test_an_empty_file_is_an_error():
    with pytest.raises(ImportFileError, match="表头"):
        insured_import(file=StringIO(""))


def test_a_large_file_is_written_in_chunks_without_a_query_per_row(django_assert_max_num_queries):
    # A handful of queries per chunk of 1000 rows (SQLite splits them further by its variable limit).
    rows = [f"{_id_number(n)},测试{n},resident,620902,2010-01-01,active" for n in range(2500)]
    with django_assert_max_num_queries(60):
        result = _import(HEADER, *rows)
    assert (result.created, result.rejected) == (2500, 0)
    changed = [row.replace("active", "suspended") if i % 2 else row for i, row in enumerate(rows)]
    with django_assert_max_num_queries(60):
        result = _import(HEADER, *changed)
    assert (result.created, result.updated, result.unchanged) == (0, 1250, 1250)
    assert InsuredPerson.objects.filter(status="suspended").count() == 1250


def test_the_demo_registry_is_valid_and_varied():
    with DEMO_CSV.open(encoding="utf-8-sig", newline="") as file:
        result = insured_import(file=file)
    assert (result.created, result.errors) == (20, [])
    assert set(InsuredPerson.objects.values_list("insurance_type", flat=True)) == set(InsuranceType.values)
    assert set(InsuredPerson.objects.values_list("status", flat=True)) == set(InsuredStatus.values)
    in_suzhou = InsuredPerson.objects.filter(region_code="620902")
    assert any(person.id_number.startswith("6209021960") for person in in_suzhou)  # encrypted: no SQL prefix
    for person in InsuredPerson.objects.all():
        assert validate_id_number(person.id_number) == person.id_number
        assert person.region_code.startswith("6209")


# --- the command -----------------------------------------------------------------------------------


def test_command_prints_counts_and_masked_rejections(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                f"{ZHANG},张建国,employee,620902,1998-07-01,active",
                f"{BAD_CHECK_DIGIT},坏号码,employee,620902,1998-07-01,active",
                f"{LI},李秀兰,resident,620902,2007-01-01,active",
                f"{LI},李秀兰,resident,620902,2007-01-01,active",
            ]
        ),
        encoding="utf-8-sig",  # as Excel saves it
    )
    out = StringIO()
    call_command("import_insured", str(path), stdout=out)
    output = out.getvalue()

    assert "created 2, updated 0, unchanged 0, rejected 2" in output
    assert "line 3: id_number: 身份证号码校验位不正确" in output
    assert "line 5: id_number:" in output
    for number in (ZHANG, LI, BAD_CHECK_DIGIT):
        assert number not in output


def test_command_fails_on_a_wrong_header(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text("id,name\n1,张三\n", encoding="utf-8")
    with pytest.raises(CommandError, match="insurance_type"):
        call_command("import_insured", str(path), stdout=StringIO())


def test_command_fails_on_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_insured", str(tmp_path / "missing.csv"))


def test_command_reads_a_gb18030_export_when_told(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text(f"{HEADER}\n{ZHANG},张建国,职工医保,620902,1998-07-01,active\n", encoding="gb18030")
    with pytest.raises(CommandError, match="gb18030"):
        call_command("import_insured", str(path), stdout=StringIO())
    out = StringIO()
    call_command("import_insured", str(path), "--encoding", "gb18030", stdout=out)
    assert "created 1" in out.getvalue()
