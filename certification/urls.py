"""Routes of the certificate and remote-filing API (under /api/v1/)."""

from django.urls import path

from certification import apis

urlpatterns = [
    # verify/<code>/ before <uuid:pk>/ so a code is never tried as an id.
    path("certificates/", apis.CertificateListApi.as_view(), name="certificate-list"),
    path("certificates/verify/<str:code>/", apis.CertificateVerifyApi.as_view(), name="certificate-verify"),
    path("certificates/<uuid:pk>/", apis.CertificateDetailApi.as_view(), name="certificate-detail"),
    path("certificates/<uuid:pk>/pdf/", apis.CertificatePdfApi.as_view(), name="certificate-pdf"),
    path("certificates/<uuid:pk>/exit/", apis.CertificateExitApi.as_view(), name="certificate-exit"),
    path(
        "certificates/<uuid:pk>/designated-points/",
        apis.CertificatePointsApi.as_view(),
        name="certificate-designated-points",
    ),
    path("remote-filings/", apis.RemoteFilingListCreateApi.as_view(), name="remote-filing-list"),
]
