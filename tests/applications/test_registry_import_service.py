"""The insured-registry import shared by the command and the admin's upload: CSV in any of the encodings
Excel writes, XLSX, Chinese column names and values, the dry run behind the preview, and the flag on
people insured outside the pooling region."""

import datetime as dt
import io
from io import StringIO

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from applications.importers.base import ImportFileError, as_date, upload_cells
from applications.importers.registry import insured_import
from applications.models import InsuredPerson

pytestmark = pytest.mark.django_db

ZHANG = "620902196003150114"
LI = "620902196508220245"
WANG = "620902197211040352"
CHINESE_HEADER = "身份证号码,姓名,参保类型,统筹区,参保起始日期,参保状态"
CODE_HEADER = "id_number,name,insurance_type,region_code,insured_since,status"


def _csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(data: bytes, filename: str = "登记.csv", **options):
    return insured_import(cells=upload_cells(data=data, filename=filename), **options)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_an_uploaded_csv_is_read_in_each_encoding_excel_writes(encoding):
    data = _csv(CHINESE_HEADER, f"{ZHANG},张建国,职工,620902,2020/1/1,正常", encoding=encoding)
    result = _upload(data)
    assert (result.created, result.errors) == (1, [])
    person = InsuredPerson.objects.get()
    assert (person.name, person.insurance_type, person.status) == ("张建国", "employee", "active")
    assert person.insured_since == dt.date(2020, 1, 1)


def test_chinese_values_and_full_labels_map_to_the_codes():
    result = _upload(
        _csv(
            CODE_HEADER,
            f"{ZHANG},张建国,居民,620902,2020-01-01,暂停",
            f"{LI},李秀兰,灵活就业,620902,2020-01-01,终止参保",
            f"{WANG},王志强,职工医保,620902,2020-01-01,terminated",
        )
    )
    assert result.errors == []
    people = {p.name: (p.insurance_type, p.status) for p in InsuredPerson.objects.all()}
    assert people == {
        "张建国": ("resident", "suspended"),
        "李秀兰": ("flexible", "terminated"),
        "王志强": ("employee", "terminated"),
    }


def test_an_xlsx_with_chinese_headers_date_cells_and_serial_dates_is_imported():
    data = _xlsx(
        [
            ["参保状态", "姓名", "身份证号码", "参保类型", "参保地区划代码", "参保起始日期", "备注"],
            ["正常", "张建国", ZHANG, "职工", "620902", dt.datetime(1998, 7, 1), "多余的列"],
            ["暂停", "李秀兰", LI, "居民", 620902, 43831, None],  # a number cell, a date as its serial
            [None, None, None, None, None, None, None],
            ["正常", "王志强", "620902197211040353", "职工", "620902", "2020-01-01", None],
        ]
    )
    result = _upload(data, "登记.xlsx")
    assert (result.created, result.rejected) == (2, 1)
    assert InsuredPerson.objects.get(id_number=ZHANG).insured_since == dt.date(1998, 7, 1)
    li = InsuredPerson.objects.get(id_number=LI)
    assert (li.insured_since, li.region_code, li.status) == (dt.date(2020, 1, 1), "620902", "suspended")
    # The spreadsheet's own row number, past the blank row.
    assert [(e.line, e.field) for e in result.errors] == [(5, "id_number")]


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("2020-01-01", dt.date(2020, 1, 1)),
        ("2020/1/1", dt.date(2020, 1, 1)),
        ("2020-1-9", dt.date(2020, 1, 9)),
        ("2020年3月5日", dt.date(2020, 3, 5)),
        ("20200305", dt.date(2020, 3, 5)),
        ("43831", dt.date(2020, 1, 1)),
        ("2020-01-01 00:00:00", dt.date(2020, 1, 1)),
    ],
)
def test_dates_are_read_in_the_forms_officers_type(text, date):
    assert as_date(text) == date


@pytest.mark.parametrize("text", ["2020/13/01", "2020-02-30", "去年", "1", ""])
def test_a_wrong_date_is_refused_in_chinese(text):
    with pytest.raises(ValidationError, match="不是有效的日期"):
        as_date(text)


def test_a_dry_run_counts_what_the_import_would_do_and_writes_nothing():
    insured_import(file=StringIO(f"{CODE_HEADER}\n{ZHANG},张建国,employee,620902,1998-07-01,active\n"))
    insured_import(file=StringIO(f"{CODE_HEADER}\n{LI},李秀兰,resident,620902,2007-01-01,active\n"))
    data = _csv(
        CHINESE_HEADER,
        f"{ZHANG},张建国,职工,620902,1998-07-01,正常",  # unchanged
        f"{LI},李秀兰,居民,620902,2007-01-01,暂停",  # updated: the status
        f"{WANG},王志强,职工,620902,2001-01-01,正常",  # created
        "620902196003150115,坏号码,职工,620902,1998-07-01,正常",  # rejected
    )

    preview = _upload(data, dry_run=True, sample_size=5)

    assert (preview.created, preview.updated, preview.unchanged, preview.rejected) == (1, 1, 1, 1)
    assert preview.status_changed == 1
    assert InsuredPerson.objects.count() == 2
    assert InsuredPerson.objects.get(id_number=LI).status == "active"
    by_action = {row.action: row for row in preview.sample}
    assert by_action["updated"].changes == ("参保状态：正常参保 → 暂停参保",)
    assert by_action["created"].id_number == "6209**********0352"
    assert by_action["created"].name == "王*强"
    assert [row.line for row in preview.sample] == [2, 3, 4]

    done = _upload(data)
    assert (done.created, done.updated, done.unchanged, done.rejected) == (1, 1, 1, 1)
    assert InsuredPerson.objects.get(id_number=LI).status == "suspended"


def test_the_sample_is_capped_per_kind():
    rows = [f"{n},张{n},职工,620902,2001-01-01,正常" for n in (ZHANG, LI, WANG)]
    preview = _upload(_csv(CHINESE_HEADER, *rows), dry_run=True, sample_size=2)
    assert preview.created == 3
    assert len(preview.sample) == 2


def test_a_person_insured_outside_the_pooling_region_is_imported_and_flagged():
    data = _csv(
        CHINESE_HEADER,
        f"{ZHANG},张建国,职工,620102,1998-07-01,正常",  # Lanzhou
        f"{LI},李秀兰,居民,620902,2007-01-01,正常",
    )
    preview = _upload(data, dry_run=True, sample_size=5)
    assert [(e.line, e.field) for e in preview.flagged] == [(2, "region_code")]
    assert "不在本统筹区" in preview.flagged[0].message
    assert [bool(row.warning) for row in preview.sample] == [True, False]

    result = _upload(data)
    assert (result.created, len(result.flagged)) == (2, 1)
    assert InsuredPerson.objects.get(id_number=ZHANG).region_code == "620102"


def test_the_pooling_region_comes_from_the_setting(settings):
    settings.POOLING_REGION_PREFIX = "6201"
    result = _upload(_csv(CHINESE_HEADER, f"{ZHANG},张建国,职工,620902,1998-07-01,正常"), dry_run=True)
    assert len(result.flagged) == 1


def test_the_command_prints_the_flag_without_the_id_number(tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text(f"{CHINESE_HEADER}\n{ZHANG},张建国,职工,620102,1998/7/1,正常\n", encoding="utf-8")
    out = StringIO()
    call_command("import_insured", str(path), stdout=out)
    assert "created 1" in out.getvalue()
    assert "warning: line 2: region_code:" in out.getvalue()
    assert ZHANG not in out.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"id_number\n", "registry.txt", "只接受 CSV 或 Excel"),
        (b"\xd0\xcf\x11\xe0", "registry.xls", "另存为 .xlsx"),
        (b"", "registry.csv", "文件是空的"),
        (b"  \r\n", "registry.csv", "文件是空的"),
        (b"not a zip", "registry.xlsx", "不是有效的 Excel"),
        (b"PK\x03\x04 broken", "registry.xlsx", "不是有效的 Excel"),
        (b"PK\x03\x04 a zip named .csv", "registry.csv", "不是 CSV 文本"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused_in_chinese(data, filename, message):
    with pytest.raises(ImportFileError, match=message):
        _upload(data, filename)


def test_a_missing_column_is_named_in_chinese_and_by_its_code():
    with pytest.raises(ImportFileError, match=r"参保状态（status）"):
        _upload(_csv("身份证号码,姓名,参保类型,统筹区,参保起始日期", f"{ZHANG},张建国,职工,620902,1998-07-01"))
    with pytest.raises(ImportFileError, match=r"身份证号码（id_number）"):
        _upload(_xlsx([["姓名", "参保类型", "统筹区", "参保起始日期", "参保状态"]]), "a.xlsx")
    with pytest.raises(ImportFileError, match="表头"):
        _upload(_xlsx([]), "a.xlsx")
    assert not InsuredPerson.objects.exists()


def test_a_chinese_and_a_code_name_for_one_column_is_a_duplicate():
    with pytest.raises(ImportFileError, match="重复"):
        _upload(_csv(CHINESE_HEADER + ",name", f"{ZHANG},张建国,职工,620902,1998-07-01,正常,张建国"))


def test_more_rows_than_allowed_is_a_file_error_and_nothing_is_written():
    data = _csv(CHINESE_HEADER, *[f"{n},张{n},职工,620902,2001-01-01,正常" for n in (ZHANG, LI, WANG)])
    with pytest.raises(ImportFileError, match="超过 2 行"):
        _upload(data, max_rows=2)
    assert not InsuredPerson.objects.exists()


def test_a_bad_value_is_explained_in_chinese_with_the_accepted_words():
    result = _upload(_csv(CHINESE_HEADER, f"{ZHANG},张建国,公务员,620902,1998-07-01,退休"))
    messages = {e.field: e.message for e in result.errors}
    assert "职工、居民、灵活就业" in messages["insurance_type"]
    assert "正常、暂停、终止" in messages["status"]
    assert all(e.line == 2 for e in result.errors)
