"""The bureau's admin pages of the review side, one module each: the working-day calendar, the expert
review workbench (and what its pages share), the experts, the announcements and objections, and the
officers' statistics page (统计分析)."""

from reviews.admin import announcements, calendar, experts, statistics, workbench
from reviews.admin.case import ReviewAssignmentInline, ReviewOverdueFilter

__all__ = [
    "ReviewAssignmentInline",
    "ReviewOverdueFilter",
    "announcements",
    "calendar",
    "experts",
    "statistics",
    "workbench",
]
