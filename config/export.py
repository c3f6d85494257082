"""Excel export of an admin list as it is filtered, searched and sorted on screen (the bureau's
spreadsheets: 申请, 超期案件, 待遇认定): one row per record the list shows, personal data masked
(a file leaves the system). `ExportXlsxAdmin` adds the 导出Excel button and its view to a ModelAdmin;
`xlsx_response` writes any table. Up to EXPORT_SYNC_ROWS rows the file comes at once; a longer list (up
to EXPORT_MAX_ROWS) is written in the background (config/export_jobs.py) and waits on 我的导出任务."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any, ClassVar, TypeVar
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldError, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Column = tuple[str, Callable[[Any], object]]


def xlsx_write(target: IO[bytes], *, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A one-sheet workbook: a bold header row, then the rows (dates as dates, times in Beijing time)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    rows = iter(rows)
    sample = [[_cell(value) for value in row] for row in itertools.islice(rows, WIDTH_SAMPLE_ROWS)]
    for number, width in enumerate(_widths(header, sample), start=1):  # set before the first row is written
        sheet.column_dimensions[get_column_letter(number)].width = width
    bold = Font(bold=True)
    heading = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for cells in sample:
        sheet.append(cells)
    for row in rows:
        sheet.append([_cell(value) for value in row])
    workbook.save(target)


WIDTH_SAMPLE_ROWS = 200  # the rows whose values size the columns


def _widths(header: Sequence[str], sample: list[list[object]]) -> list[float]:
    """Column widths that show the header and the sampled values whole (a Chinese character counts two),
    between 6 and 60 characters: a time or an 18-digit number never shows as ####."""

    def width(value: object) -> int:
        if isinstance(value, dt.datetime):
            return 19
        if isinstance(value, dt.date):
            return 10
        return sum(2 if ord(char) >= 0x2E80 else 1 for char in str(value))

    return [
        min(max(6, width(label), *(width(row[i]) for row in sample if i < len(row))) + 2, 60)
        for i, label in enumerate(header)
    ]


def xlsx_response(
    *, filename: str, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> HttpResponse:
    """The workbook of xlsx_write as a download."""
    buffer = io.BytesIO()
    xlsx_write(buffer, title=title, header=header, rows=rows)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=XLSX), filename=filename)


def xlsx_file_response(file: IO[bytes], *, filename: str) -> FileResponse:
    """A workbook already written (a background export's file) as a download, streamed."""
    return _attachment(FileResponse(file, content_type=XLSX), filename=filename)


R = TypeVar("R", HttpResponse, FileResponse)


def _attachment(response: R, *, filename: str) -> R:
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

    def export_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The records the list shows for this request (its filters, search and order)."""
        changelist = self.get_changelist_instance(request)  # type: ignore[attr-defined]
        queryset: QuerySet[Any] = changelist.get_queryset(request)
        return queryset

    def export_table(self, queryset: QuerySet[Any]) -> tuple[list[str], Iterator[list[object]]]:
        header = [label for label, _ in self.export_columns]
        rows = ([value(obj) for _, value in self.export_columns] for obj in queryset.iterator(chunk_size=2000))
        return header, rows

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        try:
            queryset = self.export_queryset(request)
            count = queryset.count()
        except (IncorrectLookupParameters, FieldError, ValidationError):  # a filter the list does not offer
            messages.error(request, "筛选条件无效，请在列表中重新筛选后再导出。")
            return HttpResponseRedirect("../")
        back = HttpResponseRedirect(f"../?{request.GET.urlencode()}" if request.GET else "../")
        if count > settings.EXPORT_MAX_ROWS:
            messages.error(request, f"共{count}条，超过一次导出的上限{settings.EXPORT_MAX_ROWS}条，请先筛选缩小范围。")
            return back
        title = self.export_title or str(self.model._meta.verbose_name_plural)  # type: ignore[attr-defined]
        if count > settings.EXPORT_SYNC_ROWS:
            from config.export_jobs import export_job_start

            job = export_job_start(request=request, model=self.model, title=title, rows_total=count)  # type: ignore[attr-defined]
            messages.success(request, f"共{count}条，已转入后台导出；完成后在“我的导出任务”中下载。")
            return HttpResponseRedirect(reverse("admin:accounts_exportjob_change", args=[job.pk]))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        header, rows = self.export_table(queryset)
        return xlsx_response(filename=f"{title}-{stamp}.xlsx", title=title, header=header, rows=rows)
