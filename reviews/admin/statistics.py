"""统计分析: the officers' statistics page in the admin (/admin/statistics/). A period form (default this
year), the figures of `reviews.statistics.application_statistics` (the API's /stats/ too, ratings
included) as tables, and charts drawn on the server as inline SVG (`reviews.charts`). Officers only:
experts and desk staff get 403."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import SafeString

from applications.models import LOW_RATING
from config.admin_site import BureauAdminSite
from config.domain import InvalidInput
from reviews.admin.case import require_officer
from reviews.charts import PALETTE, Series, bar_chart, hbar_chart, percent
from reviews.statistics import application_statistics, statistics_period

MONTH_SERIES = {"received": "收件", "accepted": "受理", "approved": "通过", "rejected": "未通过", "withdrawn": "撤回"}
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StatisticsPeriodForm(forms.Form):
    date_from = forms.DateField(
        label="提交日期起", required=False, widget=DATE_INPUT, error_messages={"invalid": "请输入有效的日期。"}
    )
    date_to = forms.DateField(
        label="提交日期止", required=False, widget=DATE_INPUT, error_messages={"invalid": "请输入有效的日期。"}
    )


def statistics_view(request: HttpRequest) -> HttpResponse:
    require_officer(request)
    today = timezone.localdate()
    form = StatisticsPeriodForm(
        request.GET or None, initial={"date_from": today.replace(month=1, day=1), "date_to": today}
    )
    period: tuple[dt.date, dt.date] | None = statistics_period()
    if form.is_bound:
        period = None
        if form.is_valid():
            try:
                period = statistics_period(**{k: v for k, v in form.cleaned_data.items() if v})
            except InvalidInput as error:
                field = (error.errors or [{}])[0].get("field")
                form.add_error(field if field in form.fields else None, error.message)
    context: dict[str, Any] = {**admin.site.each_context(request), "title": "统计分析", "form": form}
    if period is not None:
        stats = application_statistics(date_from=period[0], date_to=period[1])
        context.update(
            stats=stats,
            charts=statistics_charts(stats),
            figures=statistics_figures(stats),
            tables=statistics_tables(stats),
            annual_rate=_share(stats["annual_reviews"]["completion_rate"]),
            ratings=statistics_ratings(stats),
        )
    return TemplateResponse(request, "admin/reviews/statistics.html", context)


COUNT_COLUMNS = {"received": "收件", "accepted": "受理", "approved": "通过", "rejected": "未通过"}
COUNT_COLUMNS |= {"withdrawn": "撤回", "open": "在办", "decided": "办结", "overdue": "超期"}


def statistics_tables(stats: dict[str, Any]) -> list[dict[str, Any]]:
    """Each breakdown as a table: its counts, then 办结率 and 超期率 as percentages."""
    head = [*COUNT_COLUMNS.values(), "办结率", "超期率"]

    def rows(items: list[dict[str, Any]], key: str) -> list[list[Any]]:
        return [
            [
                item[key],
                *(item[column] for column in COUNT_COLUMNS),
                *("—" if item[rate] is None else percent(item[rate]) for rate in ("completion_rate", "overdue_rate")),
            ]
            for item in items
        ]

    return [
        {"id": "by-month", "caption": "按月份", "key": "月份", "head": head, "rows": rows(stats["by_month"], "month")},
        {
            "id": "by-category",
            "caption": "按病种类别",
            "key": "病种类别",
            "head": head,
            "rows": rows(stats["by_category"], "category"),
        },
        {
            "id": "by-district",
            "caption": "按参保地（区县）",
            "key": "参保地",
            "head": head,
            "rows": rows(stats["by_district"], "district"),
        },
        {
            "id": "by-channel",
            "caption": "按办理渠道",
            "key": "办理渠道",
            "head": head,
            "rows": rows(stats["by_channel"], "channel_display"),
        },
        {
            "id": "totals",
            "caption": "合计",
            "key": "",
            "head": head,
            "rows": rows([{"": "合计", **stats["totals"]}], ""),
        },
    ]


def statistics_figures(stats: dict[str, Any]) -> list[dict[str, str]]:
    """The headline figures: rates as percentages, durations in working days ("—" when there is none)."""
    totals, durations, annual = stats["totals"], stats["durations"], stats["annual_reviews"]

    def days(value: float | None) -> str:
        return "—" if value is None else f"{value:g}个工作日"

    return [
        {
            "label": "办结率",
            "value": _share(totals["completion_rate"]),
            "note": f"已办结{totals['decided']}件 ÷ 已受理{totals['accepted']}件",
        },
        {
            "label": "超期率",
            "value": _share(totals["overdue_rate"]),
            "note": f"超期{totals['overdue']}件 ÷ 已受理{totals['accepted']}件",
        },
        {"label": "办理时长中位数", "value": days(durations["median"]), "note": f"受理至决定，{durations['count']}件"},
        {"label": "办理时长第90百分位", "value": days(durations["p90"]), "note": f"平均{days(durations['average'])}"},
        {
            "label": "年度复核完成率",
            "value": _share(annual["completion_rate"]),
            "note": f"已复核{annual['reviewed']}件 ÷ 应复核{annual['due']}件",
        },
    ]


def statistics_ratings(stats: dict[str, Any]) -> dict[str, Any]:
    """好差评 given in the period, as the API reports them (`stats["ratings"]`): count, average, low, each score."""
    ratings = stats["ratings"]
    return {
        **ratings,
        "average": "—" if ratings["average"] is None else f"{ratings['average']:g}分",
        "low_label": f"差评（{LOW_RATING}分及以下）",
    }


def _share(value: float | None) -> str:
    return "—" if value is None else percent(value)


def statistics_charts(stats: dict[str, Any]) -> dict[str, SafeString]:
    """The page's SVG charts: each month's counts; the rates; received per category, district, channel."""
    months = stats["by_month"]
    totals, annual = stats["totals"], stats["annual_reviews"]
    rates = [("办结率", totals["completion_rate"]), ("超期率", totals["overdue_rate"])]
    rates.append(("年度复核完成率", annual["completion_rate"]))

    def received(rows: list[dict[str, Any]], key: str) -> list[tuple[str, float]]:
        return [(row[key], row["received"]) for row in rows]

    return {
        "by_month": bar_chart(
            title="每月申请数量",
            labels=[m["month"] for m in months],
            series=[
                Series(label, [m[key] for m in months], PALETTE[i])
                for i, (key, label) in enumerate(MONTH_SERIES.items())
            ],
        ),
        "rates": hbar_chart(
            title="办结率、超期率与年度复核完成率",
            rows=rates,
            maximum=1,
            value_format=percent,
            color=PALETTE[1],
        ),
        "by_category": hbar_chart(title="各病种类别收件数", rows=received(stats["by_category"], "category")),
        "by_district": hbar_chart(
            title="各参保地收件数", rows=received(stats["by_district"], "district"), color=PALETTE[2]
        ),
        "by_channel": hbar_chart(
            title="各办理渠道收件数", rows=received(stats["by_channel"], "channel_display"), color=PALETTE[5]
        ),
        "ratings": hbar_chart(
            title="各评分的评价数",
            rows=[(f"{row['score']}分", row["count"]) for row in stats["ratings"]["by_score"]],
            color=PALETTE[3],
        ),
    }


if isinstance(admin.site, BureauAdminSite):
    admin.site.page_add("statistics/", statistics_view, name="statistics")
