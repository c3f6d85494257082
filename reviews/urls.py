"""Routes of the reviewer API, the deadline calculator and the statistics (under /api/v1/)."""

from django.urls import path

from reviews import apis

urlpatterns = [
    path("calendar/deadline/", apis.CalendarDeadlineApi.as_view(), name="calendar-deadline"),
    path("reviews/", apis.ReviewListApi.as_view(), name="review-list"),
    path("reviews/<int:pk>/", apis.ReviewDetailApi.as_view(), name="review-detail"),
    path("reviews/<int:pk>/decision/", apis.ReviewDecisionApi.as_view(), name="review-decision"),
    path("stats/", apis.StatisticsApi.as_view(), name="statistics"),
]
