"""Public announcement routes: `urlpatterns` is the API (under /api/v1/), `pages` the HTML (under /gongshi/)."""

from django.urls import path

from reviews import public_apis, public_views

urlpatterns = [
    path("announcements/", public_apis.AnnouncementListApi.as_view(), name="announcement-list"),
    path("announcements/<int:pk>/", public_apis.AnnouncementDetailApi.as_view(), name="announcement-detail"),
    path(
        "announcements/<int:pk>/objections/",
        public_apis.ObjectionCreateApi.as_view(),
        name="announcement-objection-create",
    ),
]

pages = [
    path("", public_views.announcement_list_page, name="list"),
    path("<int:pk>/", public_views.announcement_detail_page, name="batch"),
    path("<int:pk>/objection/", public_views.objection_page, name="objection"),
    path("<int:pk>/objection/received/", public_views.objection_received_page, name="objection-received"),
]
