"""The twin's routes: the same paths as the project's API v1, one view each."""

from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView

from . import views

urlpatterns = [
    path("api/v1/auth/token/", TokenObtainPairView.as_view()),
    path("api/v1/applications/", views.ApplicationListCreate.as_view()),
    path("api/v1/applications/<uuid:pk>/", views.ApplicationDetail.as_view()),
    path("api/v1/applications/<uuid:pk>/submit/", views.ApplicationSubmit.as_view()),
    path("api/v1/applications/<uuid:pk>/documents/", views.DocumentUpload.as_view()),
    path("api/v1/certificates/verify/<str:code>/", views.CertificateVerify.as_view()),
    path("api/v1/reviews/", views.ReviewQueue.as_view()),
]
