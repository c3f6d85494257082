"""Routes of the reviewer API and the deadline calculator (under /api/v1/)."""

from django.urls import path

from reviews import apis

urlpatterns = [
    path("calendar/deadline/", apis.CalendarDeadlineApi.as_view(), name="calendar-deadline"),
    path("reviews/", apis.ReviewListApi.as_view(), name="review-list"),
    path("reviews/<int:pk>/", apis.ReviewDetailApi.as_view(), name="review-detail"),
    path("reviews/<int:pk>/decision/", apis.ReviewDecisionApi.as_view(), name="review-decision"),
]
