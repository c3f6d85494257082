"""The public announcement (公示) pages: server-rendered, no login, no JavaScript.

The list and batch pages carry no form and no CSRF token, so they can be cached as whole pages and
shared by every visitor: by batch and page, replaced whenever the batch changes (`reviews.public_cache`).
A batch's entries are shown `ENTRIES_PER_PAGE` at a time. The objection form, which needs a per-visitor
CSRF token, has its own page that is never cached; every row of a batch in its period links to it.
"""

from __future__ import annotations

from django.core.paginator import InvalidPage, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control, cache_page, never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.request import Request
from rest_framework.views import APIView

from config.domain import DomainError
from reviews.announcements import objection_file
from reviews.public_apis import ObjectionThrottle
from reviews.public_cache import PUBLIC_CACHE_SECONDS, cached_public
from reviews.public_selectors import announcement_public_entries, announcement_public_get, announcement_public_list
from reviews.public_serializers import REASON_MAX_LENGTH, ObjectionInput

BATCHES_PER_PAGE = 20
ENTRIES_PER_PAGE = 100


def _not_found(request: HttpRequest, **message: str) -> HttpResponse:
    return render(request, "public/not_found.html", message, status=404)


@require_GET
@cached_public(per_batch=False)
def announcement_list_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    page = Paginator(announcement_public_list(today=today), BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "public/announcement_list.html", {"page": page, "today": today})


@require_GET
@cached_public(per_batch=True)
def announcement_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    batch = announcement_public_get(batch_id=pk, today=today)
    if batch is None:
        return _not_found(request)
    paginator = Paginator(announcement_public_entries(batch_id=batch.pk), ENTRIES_PER_PAGE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        return _not_found(
            request,
            heading="未找到该页",
            message=f"本批公示名单共{paginator.num_pages}页，没有这一页。",
            back=reverse("gongshi:batch", args=[batch.pk]),
        )
    context = {"batch": batch, "page": page, "open": batch.open_for_objections(today)}
    return render(request, "public/announcement_detail.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
@csrf_protect
def objection_page(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the form (`?entry=` preselects a row). POST: files the objection through the service,
    or shows the form again with the messages in Chinese."""
    today = timezone.localdate()
    batch = announcement_public_get(batch_id=pk, today=today)
    if batch is None:
        return _not_found(request)
    is_open = batch.open_for_objections(today)
    values = {"entry": request.GET.get("entry", ""), "reason": "", "contact_name": "", "contact_phone": ""}
    field_errors: dict[str, list[str]] = {}
    error = ""
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        throttle = ObjectionThrottle()
        if not is_open:
            error, status = "本批公示已结束，不能再提出异议。", 409
        # This plain Django form shares the API's counter: ObjectionThrottle keys on the client IP alone.
        elif not throttle.allow_request(Request(request), APIView()):
            minutes = max(1, round((throttle.wait() or 60) / 60))
            error, status = f"提交过于频繁，请约{minutes}分钟后再试。", 429
        else:
            data = ObjectionInput(data=request.POST, context={"batch_id": batch.pk})
            if data.is_valid():
                try:
                    objection_file(
                        entry_id=data.validated_data["entry"],
                        batch_id=batch.pk,
                        reason=data.validated_data["reason"],
                        contact_name=data.validated_data["contact_name"],
                        contact_phone=data.validated_data["contact_phone"],
                    )
                except DomainError as exc:
                    error, status = exc.message, exc.status_code
                else:
                    return HttpResponseRedirect(reverse("gongshi:objection-received", args=[batch.pk]), status=303)
            else:
                field_errors = {name: [str(message) for message in messages] for name, messages in data.errors.items()}
                error, status = "提交的内容有误，请按提示修改后重新提交。", 400
    # The row the visitor came from, not the whole list (a batch can hold 10,000 entries).
    chosen = values["entry"].strip()
    entries = (
        list(announcement_public_entries(batch_id=batch.pk).filter(pk=int(chosen)))
        if chosen.isascii() and chosen.isdigit() and len(chosen) < 19  # a bigint
        else []
    )
    context = {
        "batch": batch,
        "entries": entries,
        "open": is_open,
        "values": values,
        "errors": field_errors,
        "error": error,
        "reason_max_length": REASON_MAX_LENGTH,
    }
    return render(request, "public/objection_form.html", context, status=status)


@require_GET
@cache_page(PUBLIC_CACHE_SECONDS)
@cache_control(public=True)
def objection_received_page(request: HttpRequest, pk: int) -> HttpResponse:
    batch = announcement_public_get(batch_id=pk, today=timezone.localdate())
    if batch is None:
        return _not_found(request)
    return render(request, "public/objection_received.html", {"batch": batch})
