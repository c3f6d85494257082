"""The admin as the bureau's staff see it: the bureau's system name (`ADMIN_SITE_HEADER`) in the header
and the window title instead of Django's, 工作台 as the start page's title, and Chinese names for the
libraries' sections (the login lockout of django-axes). The strings the libraries leave untranslated
are in locale/zh_Hans (settings: LOCALE_PATHS)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import update_wrapper
from typing import Any, TypeVar, cast

from axes.apps import AppConfig as AxesAppConfig
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.templatetags import admin_list
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, path
from django.utils.html import format_html
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString

BOOLEAN_WORDS = {True: ("yes", "是"), False: ("no", "否"), None: ("unknown", "未知")}
# The request of the admin page being drawn: its read-only fields link only to the records the reader may
# open. Set by every admin view; left set, since a TemplateResponse is drawn after its view returns.
admin_reader: ContextVar[HttpRequest | None] = ContextVar("admin_reader", default=None)
_django_admin_url = helpers.AdminReadonlyField.get_admin_url
View = TypeVar("View", bound=Callable[..., Any])


class BureauAdminSite(admin.AdminSite):
    index_title = "工作台"
    site_url = "/gongshi/"  # "查看站点": the public announcement pages

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)
        self.site_header = self.site_title = settings.ADMIN_SITE_HEADER
        self.pages: list[tuple[str, Callable[..., HttpResponse], str]] = []

    def page_add(self, route: str, view: Callable[..., HttpResponse], *, name: str) -> None:
        """A page of an app's own that belongs to no model (reviews' 统计分析), for signed-in staff."""
        self.pages.append((route, view, name))

    def get_urls(self) -> list[URLResolver | URLPattern]:
        pages = [path(route, self.admin_view(view), name=name) for route, view, name in self.pages]
        return [*pages, *super().get_urls()]

    def admin_view(self, view: View, cacheable: bool = False) -> View:
        def reading(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            admin_reader.set(request)
            return view(request, *args, **kwargs)

        return cast(View, super().admin_view(update_wrapper(reading, view), cacheable))

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        """The start page with the signed-in staff member's dashboard (`ADMIN_DASHBOARD`) above the apps."""
        dashboard = import_string(settings.ADMIN_DASHBOARD)(user=request.user)
        return super().index(request, {"dashboard": dashboard, **(extra_context or {})})


def boolean_icon(value: bool | None) -> SafeString:
    """Django's yes/no icon, its alternative text in Chinese (Django writes True/False/None)."""
    icon, word = BOOLEAN_WORDS[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), word)


def readonly_link(field: helpers.AdminReadonlyField, remote_field: Any, remote_obj: Any) -> str:
    """A read-only foreign key (账户, 病种类别…) as a link to its record when the reader may open that
    record, as plain text otherwise (Django links it whatever the reader's permissions: a 403)."""
    request = admin_reader.get()
    if request is not None and field.model_admin is not None:
        target = field.model_admin.admin_site._registry.get(remote_field.model)
        if target is None or not target.has_view_or_change_permission(request, remote_obj):
            return str(remote_obj)
    return str(_django_admin_url(field, remote_field, remote_obj))


class BureauAdminConfig(AdminConfig):
    """`django.contrib.admin` with the bureau's site as the default one (`admin.site`) and the periodic jobs
    on the project's own Chinese pages."""

    default_site = "config.admin_site.BureauAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscovers every app's admin module
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
        from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

        from config.jobs_admin import jobs_admin_register

        admin_list._boolean_icon = boolean_icon  # type: ignore[attr-defined]
        helpers.AdminReadonlyField.get_admin_url = readonly_link  # type: ignore[method-assign, assignment]
        jobs_admin_register(admin.site)
        # Left to the database: the lockout's logs and its attempts under axes' names (officers see the
        # attempts as accounts › 登录尝试 and unlock there), the API's tokens (logout and a password change
        # or reset revoke them).
        for model in (AccessAttempt, AccessLog, AccessFailureLog, OutstandingToken, BlacklistedToken):
            if admin.site.is_registered(model):
                admin.site.unregister(model)


class LockoutConfig(AxesAppConfig):
    """django-axes under its Chinese name (officers unlock an account here by deleting its attempt)."""

    verbose_name = "登录锁定"


class ReadOnlyAdminMixin:
    """A log, or rows only the services and jobs write: listed and opened here, never added, edited or
    deleted (for a ModelAdmin or an inline). Each record's page is 查看 …, without save buttons.

    `list_actions_change`: the list's actions (resend, resolve, check again) need the change permission,
    so the list keeps it; the records' own pages stay read-only all the same."""

    list_actions_change = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if obj is None and self.list_actions_change:
            return bool(super().has_change_permission(request))  # type: ignore[misc]
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
