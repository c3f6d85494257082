"""Officer lists at a million rows: the admin's paginator counts a big list from PostgreSQL's own estimate
(the table's `pg_class.reltuples`, or the planner's row estimate of the filtered query) instead of a
`COUNT(*)` over every row on every page, and the page shows the figure as “约 N”. A list estimated under
`ADMIN_LIST_EXACT_COUNT_BELOW` rows (10,000 by default) is counted exactly, as is every list on other
databases. `FastListAdmin` wires it into a ModelAdmin and turns off the second, unfiltered count
(`show_full_result_count`); the lists filter dates with Django's date filter (今天、过去7天、本月、今年:
a range on an indexed column) rather than a `date_hierarchy`, which reads MIN/MAX and every distinct day
of the filtered rows on each page."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from typing import Any, ClassVar

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import cached_property

EXACT_COUNT_BELOW = 10_000
# A 受理编号 as applications.workflow.reference_new writes it (MT, the day, 8 digits): what a list's
# search for a case by its reference looks like (no name, no verification code has this shape).
REFERENCE_RE = re.compile(r"^[A-Za-z]{2}\d{16}$")


def exact_count_below() -> int:
    return int(getattr(settings, "ADMIN_LIST_EXACT_COUNT_BELOW", EXACT_COUNT_BELOW))


def estimated_count(queryset: QuerySet[Any]) -> int | None:
    """PostgreSQL's estimate of how many rows `queryset` gives, without reading them; None elsewhere."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    query = queryset.query
    with connection.cursor() as cursor:
        if not query.where and not query.distinct and not query.combinator:
            # The whole table: the row count the last ANALYZE (or autovacuum) left in the catalogue.
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
            )
            row = cursor.fetchone()
            if row is not None and row[0] >= 0:  # -1: never analysed
                return int(row[0])
        sql, params = queryset.order_by().query.sql_with_params()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """A paginator whose count of a big PostgreSQL list is the planner's estimate (`approximate` says so)."""

    approximate = False

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, QuerySet):
            estimate = estimated_count(self.object_list)
            if estimate is not None and estimate >= exact_count_below():
                self.approximate = True
                return estimate
        return super().count

    def page(self, number: Any) -> Page:
        if not self.approximate:
            return super().page(number)
        # The count is an estimate: a page is whatever rows lie there (the last one may be short or empty).
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return Page(self.object_list[bottom : bottom + self.per_page], number, self)


class FastListAdmin:
    """A ModelAdmin mixin for the officers' big lists: estimated counts, no second unfiltered count."""

    paginator: ClassVar[type] = EstimatedCountPaginator
    show_full_result_count = False

    def get_search_fields(self, request: HttpRequest) -> list[str] | tuple[str, ...]:
        term = request.GET.get(SEARCH_VAR, "").strip()
        narrowed = self.search_fields_for(term) if term else None
        return narrowed if narrowed is not None else super().get_search_fields(request)  # type: ignore[misc]

    def search_fields_for(self, term: str) -> list[str] | None:
        """The fields this term can match (a reference is no name), or None for all of `search_fields`:
        one indexed condition instead of an OR over every field of every joined table, which no index serves."""
        return None


def fixed_values_filter(field: str, title: str, values: Sequence[tuple[str, str]]) -> type[admin.SimpleListFilter]:
    """A list filter over the known values of a plain text column: Django's own one for such a column reads
    every distinct value of it (a scan of the whole table) on each page."""

    class FixedValuesFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request: HttpRequest, model_admin: Any) -> Sequence[tuple[str, str]]:
            return values

        def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    FixedValuesFilter.title = title
    return FixedValuesFilter


def last_days(field: str, *, days: int, today: dt.date | None = None) -> dict[str, str]:
    """The lookups of a date-time column for the last `days` days and today, midnight to midnight (Beijing
    time), written as Django's date filter writes its 过去7天: a list linked with them shows that choice."""
    midnight = timezone.make_aware(dt.datetime.combine(today or timezone.localdate(), dt.time()))
    since, until = midnight - dt.timedelta(days=days), midnight + dt.timedelta(days=1)
    return {f"{field}__gte": str(since), f"{field}__lt": str(until)}


class RecentDateFilter(admin.DateFieldListFilter):
    """Django's date filter with 过去30天 after its 过去7天 (the dashboard's 近30天差评 opens it)."""

    def __init__(
        self, field: Any, request: HttpRequest, params: Any, model: Any, model_admin: Any, field_path: str
    ) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        links: list[Any] = list(self.links)
        links.insert(3, ("过去30天", last_days(field_path, days=30)))
        self.links = tuple(links)
