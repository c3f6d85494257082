from django.urls import path

from reviews import apis

urlpatterns = [
    path("calendar/deadline/", apis.CalendarDeadlineApi.as_view(), name="calendar-deadline"),
]
