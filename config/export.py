"""Excel export of an admin list as it is filtered, searched and sorted on screen (the bureau's
spreadsheets: 申请, 超期案件, 待遇认定): one row per record the list shows, personal data masked
(a file leaves the system). `ExportXlsxAdmin` adds the 导出Excel button and its view to a ModelAdmin;
`xlsx_response` writes any table. Up to `EXPORT_MAX_ROWS` rows at once."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldError, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Column = tuple[str, Callable[[Any], object]]


def xlsx_response(
    *, filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """A one-sheet workbook: a bold header row, then the rows (dates as dates, times in Beijing time)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    heading = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def _cell(value: object) -> object:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if value is None:
        return ""
    if isinstance(value, str | int | float | dt.date):
        return value
    return str(value)


class ExportXlsxAdmin:
    """A ModelAdmin mixin: 导出Excel exports the list as filtered on screen, with `export_columns`."""

    export_columns: Sequence[Column] = ()
    export_title = ""
    change_list_template: ClassVar[Any] = "admin/export_change_list.html"

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta  # type: ignore[attr-defined]
        view = self.admin_site.admin_view(self.export_view)  # type: ignore[attr-defined]
        own = [path("export/", view, name=f"{opts.app_label}_{opts.model_name}_export")]
        return own + super().get_urls()  # type: ignore[misc]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)  # type: ignore[attr-defined]
            queryset = changelist.get_queryset(request)
            count = queryset.count()
        except (IncorrectLookupParameters, FieldError, ValidationError):  # a filter the list does not offer
            messages.error(request, "筛选条件无效，请在列表中重新筛选后再导出。")
            return HttpResponseRedirect("../")
        if count > settings.EXPORT_MAX_ROWS:
            messages.error(request, f"共{count}条，超过一次导出的上限{settings.EXPORT_MAX_ROWS}条，请先筛选缩小范围。")
            return HttpResponseRedirect(f"../{changelist.get_query_string()}")
        title = self.export_title or str(self.model._meta.verbose_name_plural)  # type: ignore[attr-defined]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(
            filename=f"{title}-{stamp}.xlsx",
            title=title,
            header=[label for label, _ in self.export_columns],
            rows=([value(obj) for _, value in self.export_columns] for obj in queryset.iterator(chunk_size=2000)),
        )
