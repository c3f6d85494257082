"""The twin's routes: the same paths as the project's API v1, one view each."""

from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView

from . import views

urlpatterns = [
    path("api/v1/auth/token/", TokenObtainPairView.as_view()),
    path("api/v1/auth/register/", views.Register.as_view()),
    path("api/v1/applications/", views.ApplicationListCreate.as_view()),
    path("api/v1/applications/<uuid:pk>/", views.ApplicationDetail.as_view()),
    path("api/v1/applications/<uuid:pk>/submit/", views.ApplicationSubmit.as_view()),
    path("api/v1/applications/<uuid:pk>/documents/", views.DocumentUpload.as_view()),
    path("api/v1/applications/<uuid:pk>/precheck/", views.Precheck.as_view()),
    path("api/v1/certificates/verify/<str:code>/", views.CertificateVerify.as_view()),
    path("api/v1/certificates/<int:pk>/pdf/", views.CertificatePdf.as_view()),
    path("api/v1/reviews/", views.ReviewQueue.as_view()),
    path("api/v1/reviews/<int:pk>/", views.CaseDetail.as_view()),
    path("api/v1/announcements/<int:pk>/", views.AnnouncementDetail.as_view()),
    path("gongshi/<int:pk>/", views.announcement_page),
]
