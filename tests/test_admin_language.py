"""The admin speaks Chinese whatever the browser asks for: every list, add and change page an officer or
an administrator opens, fetched with `Accept-Language: en`, shows no English interface word, and the
header carries the bureau's name."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.certification.factories import RemoteFilingFactory
from tests.factories import ApplicationFactory, DocumentFactory, UserFactory
from tests.notifications.factories import NotificationFactory
from tests.reviews.factories import ObjectionFactory

pytestmark = pytest.mark.django_db

# Words that are not interface language: formats, protocols and keys people know by these names.
NOT_ENGLISH = {"PDF", "PNG", "JPG", "JPEG", "CSV", "JSON", "SMS", "URL", "UTF", "HTTP", "GET", "POST", "Accept"}
NOT_ENGLISH |= {"Excel"}  # the spreadsheet's name, as the bureau says it
NOT_ENGLISH |= {"Ctrl", "Control", "Command", "Mac", "LDAP", "SHA"}  # as Django's Chinese names them
WORD = re.compile(r"[A-Za-z]{3,}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
OURS = ("applications", "reviews", "certification", "notifications", "accounts")


class VisibleText(HTMLParser):
    """The text a person reads: text nodes outside scripts and styles, button labels, tooltips."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # A textarea holds data being edited, <code> a code typed as it is.
        if tag in ("script", "style", "template", "textarea", "code"):
            self.hidden += 1
        values = dict(attrs)
        self.parts += [values[name] or "" for name in ("title", "placeholder", "aria-label", "alt") if name in values]
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template", "textarea", "code"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def english_words(html: str, *, data: set[str]) -> set[str]:
    parser = VisibleText()
    parser.feed(html)
    text = UUID.sub(" ", " ".join(parser.parts))
    return {word for word in WORD.findall(text) if word not in NOT_ENGLISH and word not in data}


@pytest.fixture
def records():
    application = ApplicationFactory(effective=True)
    DocumentFactory(application=application)
    ObjectionFactory()
    RemoteFilingFactory()
    NotificationFactory()
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(  # a locked login, as the lockout writes it
        username="root",
        ip_address="10.0.0.1",
        user_agent="",
        http_accept="",
        path_info="",
        get_data="",
        post_data="",
        failures_since_start=5,
    )
    return application


def admin_pages() -> list[str]:
    pages = ["/admin/", "/admin/password_change/"]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        pages.append(reverse("admin:{}_{}_changelist".format(*info)))
        pages.append(reverse("admin:{}_{}_add".format(*info)))
        first = model.objects.first()
        if first is not None:
            try:
                pages.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
                if hasattr(model_admin, "history_view"):  # reference data's history (django-simple-history)
                    pages.append(reverse("admin:{}_{}_history".format(*info), args=[first.pk]))
            except NoReverseMatch:
                pass
    return pages


def data_words() -> set[str]:
    """Words in the records themselves (usernames, codes, file types): data, not the interface."""
    from django.apps import apps
    from django.db import models

    words: set[str] = set()
    for app in OURS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.CharField | models.TextField) and not field.choices:
                    values = model.objects.values_list(field.name, flat=True)
                    words |= {word for value in values for word in WORD.findall(str(value or ""))}
    return words


def test_every_admin_page_is_chinese_for_an_english_browser(records):
    superuser = UserFactory(username="root", is_staff=True, is_superuser=True, id_number="")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(superuser)
    data = data_words()
    leaks: dict[str, set[str]] = {}
    for page in admin_pages():
        response = client.get(page, follow=True)
        if response.status_code != 200:
            continue
        found = english_words(response.content.decode(), data=data)
        if found:
            leaks[page] = found
    for page, found in sorted(leaks.items()):
        print(page, sorted(found))
    assert leaks == {}


def test_the_header_carries_the_bureau_name(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True, id_number=""))
    page = client.get("/admin/").content.decode()
    assert f"{settings.BUREAU_NAME} 门诊慢特病业务系统" in page and "Django" not in page


def test_error_pages_outside_the_api_are_chinese(client):
    missing = client.get("/admin/no-such-page/", follow=True)
    client.force_login(UserFactory(is_staff=True, id_number=""))
    refused = client.get("/admin/applications/deskapplication/")  # a staff member without a desk post
    for response, title in ((client.get("/no-such-page/"), "页面不存在"), (refused, "没有权限")):
        page = response.content.decode()
        assert title in page and english_words(page, data=set()) == set()
    assert missing.status_code == 200  # the admin sends a stranger to its login page, in Chinese


def test_the_translations_compiled_are_the_ones_written():
    # `make messages` was run after the last change to django.po: every entry reads as written.
    from django.utils import translation
    from django.utils.translation import gettext, ngettext

    po = (Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = re.findall(r'\nmsgid "(.+)"\n(?:msgid_plural "(.+)"\n)?msgstr(?:\[0\])? "(.+)"\n', po)
    assert len(entries) > 40
    with translation.override("zh-hans"):
        for msgid, plural, msgstr in entries:
            msgid, msgstr = (text.replace('\\"', '"') for text in (msgid, msgstr))
            shown = ngettext(msgid, plural.replace('\\"', '"'), 2) if plural else gettext(msgid)
            assert shown == msgstr, msgid


def test_the_admins_scripts_are_chinese_too(client):
    # The two-box selector of groups and permissions draws its labels from the admin's script catalogue.
    client.force_login(UserFactory(is_staff=True, id_number=""))
    catalogue = client.get("/admin/jsi18n/").content.decode()
    po = (Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "djangojs.po").read_text(encoding="utf-8")
    for msgstr in re.findall(r'\nmsgstr "(.+)"\n', po + "\n"):
        assert json.dumps(msgstr.replace('\\"', '"'))[1:-1] in catalogue, msgstr
