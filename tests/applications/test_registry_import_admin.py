"""导入参保人员登记 in the admin: upload, a masked preview, confirm or cancel; the file kept privately
between the two and deleted after; Chinese errors on the form; only for staff who may add and change
insured people."""

import io
import logging

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import InsuredPerson
from applications.registry_admin import SESSION_KEY
from tests.factories import UserFactory
from tests.reviews.review_helpers import officer
from tests.test_admin_language import WORD, english_words

pytestmark = pytest.mark.django_db

IMPORT = "/admin/applications/insuredperson/import/"
CHANGELIST = "/admin/applications/insuredperson/"
ZHANG = "620902196003150114"
LI = "620902196508220245"
BAD = "620902196003150115"
HEADER = "身份证号码,姓名,参保类型,参保地区划代码,参保起始日期,参保状态"


def _registrar():
    user = officer()
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="applications", codename__in=["add_insuredperson", "change_insuredperson"]
        )
    )
    return user


@pytest.fixture
def registrar_client(client):
    client.force_login(_registrar())
    return client


def _file(text: str, name: str = "登记.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def _rows(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def _preview(client, upload: SimpleUploadedFile):
    return client.post(IMPORT, {"file": upload})


def _token(client) -> str:
    return client.session[SESSION_KEY]["token"]


def test_the_list_offers_the_import_only_to_who_may_add_and_change(client, registrar_client):
    assert "registry-import" in registrar_client.get(CHANGELIST).content.decode()
    viewer = officer()  # officers read the registry but do not load it
    client.force_login(viewer)
    assert "registry-import" not in client.get(CHANGELIST).content.decode()
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"file": _file(_rows(f"{ZHANG},张建国,职工,620902,1998-07-01,正常"))}).status_code == 403
    assert not InsuredPerson.objects.exists()


def test_the_preview_counts_masks_and_lists_every_bad_row_without_writing(registrar_client):
    response = _preview(
        registrar_client,
        _file(
            _rows(
                f"{ZHANG},张建国,职工,620902,2020/1/1,正常",
                f"{BAD},坏号码,职工,620902,1998-07-01,正常",
                f"{LI},李秀兰,公务员,620902,2007-01-01,正常",
            )
        ),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="count-created">1<' in page and 'id="count-rejected">2<' in page
    assert "6209**********0114" in page and "张*国" in page
    for number in (ZHANG, BAD, LI):
        assert number not in page
    assert "第 3 行" in page and "身份证号码校验位不正确" in page
    assert "第 4 行" in page and "参保类型" in page and "公务员" in page
    assert "确认导入" in page
    assert not InsuredPerson.objects.exists()
    pending = registrar_client.session[SESSION_KEY]["path"]
    assert default_storage.exists(pending)


def test_confirm_imports_through_the_importer_and_deletes_the_file(registrar_client, caplog):
    _preview(registrar_client, _file(_rows(f"{ZHANG},张建国,职工,620902,1998-07-01,正常"), encoding="gb18030"))
    pending, token = registrar_client.session[SESSION_KEY]["path"], _token(registrar_client)

    with caplog.at_level(logging.INFO):
        response = registrar_client.post(f"{IMPORT}{token}/confirm/")

    assert response.status_code == 200
    assert "导入完成" in response.content.decode() and 'id="count-created">1<' in response.content.decode()
    assert InsuredPerson.objects.get().name == "张建国"  # GB18030 read as such
    assert not default_storage.exists(pending)
    assert SESSION_KEY not in registrar_client.session
    assert "created 1" in caplog.text and ZHANG not in caplog.text and "张建国" not in caplog.text
    # Confirming twice (a reload) imports nothing more and says why.
    again = registrar_client.post(f"{IMPORT}{token}/confirm/", follow=True)
    assert "已经完成、取消或失效" in again.content.decode()


def test_cancel_writes_nothing_and_deletes_the_file(registrar_client):
    _preview(registrar_client, _file(_rows(f"{ZHANG},张建国,职工,620902,1998-07-01,正常")))
    pending, token = registrar_client.session[SESSION_KEY]["path"], _token(registrar_client)

    response = registrar_client.post(f"{IMPORT}{token}/cancel/", follow=True)

    assert "已取消导入" in response.content.decode()
    assert not default_storage.exists(pending)
    assert not InsuredPerson.objects.exists()
    assert registrar_client.post(f"{IMPORT}{token}/confirm/").status_code == 302
    assert not InsuredPerson.objects.exists()


def test_another_sessions_token_does_not_confirm(client, registrar_client):
    _preview(registrar_client, _file(_rows(f"{ZHANG},张建国,职工,620902,1998-07-01,正常")))
    token = _token(registrar_client)
    client.force_login(_registrar())
    client.post(f"{IMPORT}{token}/confirm/")
    assert not InsuredPerson.objects.exists()


def test_a_new_upload_replaces_the_pending_file(registrar_client):
    _preview(registrar_client, _file(_rows(f"{ZHANG},张建国,职工,620902,1998-07-01,正常")))
    first = registrar_client.session[SESSION_KEY]["path"]
    _preview(registrar_client, _file(_rows(f"{LI},李秀兰,居民,620902,2007-01-01,正常")))
    assert not default_storage.exists(first)
    registrar_client.post(f"{IMPORT}{_token(registrar_client)}/confirm/")
    assert list(InsuredPerson.objects.values_list("name", flat=True)) == ["李秀兰"]


def test_an_xlsx_upload_is_previewed_and_imported(registrar_client):
    workbook = openpyxl.Workbook()
    workbook.active.append(["身份证号码", "姓名", "参保类型", "统筹区", "参保起始日期", "参保状态"])
    workbook.active.append([ZHANG, "张建国", "灵活就业", "620102", "2020-01-01", "暂停"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("登记.xlsx", buffer.getvalue())

    page = _preview(registrar_client, upload).content.decode()
    assert 'id="count-flagged">1<' in page and "不在本统筹区" in page and 'class="flagged"' in page

    registrar_client.post(f"{IMPORT}{_token(registrar_client)}/confirm/")
    person = InsuredPerson.objects.get()
    assert (person.insurance_type, person.status, person.region_code) == ("flexible", "suspended", "620102")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("scan.pdf", b"%PDF-1.7 ..."), "只接受 CSV 或 Excel"),
        (SimpleUploadedFile("登记.csv", b""), "文件是空的"),
        (SimpleUploadedFile("登记.xlsx", b"not really"), "不是有效的 Excel"),
        (_file("身份证号码,姓名\n620902196003150114,张建国\n"), "表头缺少列"),
        (None, "请选择要导入的文件"),
    ],
)
def test_a_file_that_cannot_be_imported_is_explained_on_the_form(registrar_client, upload, message):
    response = registrar_client.post(IMPORT, {"file": upload} if upload else {})
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and 'id="import-form"' in page
    assert SESSION_KEY not in registrar_client.session
    assert not InsuredPerson.objects.exists()


def test_a_file_over_the_size_limit_is_refused_on_the_form(registrar_client, settings):
    settings.UPLOAD_MAX_FILE_BYTES = 100
    response = _preview(registrar_client, _file(_rows(*[f"{ZHANG},张建国,职工,620902,1998-07-01,正常"] * 5)))
    assert "文件超过" in response.content.decode()
    assert SESSION_KEY not in registrar_client.session


def test_the_import_pages_speak_chinese_to_an_english_browser(client):
    user = UserFactory(is_staff=True, is_superuser=True, id_number="")
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    form = client.get(IMPORT).content.decode()
    preview = _preview(
        client, _file(_rows(f"{ZHANG},张建国,职工,620102,1998-07-01,正常", f"{BAD},坏号码,职工,620902,1998-07-01,正常"))
    ).content.decode()
    done = client.post(f"{IMPORT}{_token(client)}/confirm/").content.decode()
    data = {*WORD.findall(str(user.username)), "csv"}  # the user's name and the file's (登记.csv) are data
    for page in (form, preview, done):
        assert english_words(page, data=data) == set()
