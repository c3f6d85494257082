from django.urls import path

from applications import apis, certificate_apis

urlpatterns = [
    path("diseases/", apis.DiseaseListApi.as_view(), name="disease-list"),
    path("hospitals/", apis.HospitalListApi.as_view(), name="hospital-list"),
    path("applications/", apis.ApplicationListCreateApi.as_view(), name="application-list"),
    path("applications/<uuid:pk>/", apis.ApplicationDetailApi.as_view(), name="application-detail"),
    path("applications/<uuid:pk>/submit/", apis.ApplicationSubmitApi.as_view(), name="application-submit"),
    path("applications/<uuid:pk>/withdraw/", apis.ApplicationWithdrawApi.as_view(), name="application-withdraw"),
    path("applications/<uuid:pk>/documents/", apis.DocumentListCreateApi.as_view(), name="application-documents"),
    path(
        "applications/<uuid:pk>/documents/<uuid:document_id>/",
        apis.DocumentDetailApi.as_view(),
        name="application-document-detail",
    ),
    path(
        "applications/<uuid:pk>/documents/<uuid:document_id>/file/",
        apis.DocumentFileApi.as_view(),
        name="application-document-file",
    ),
    path("applications/<uuid:pk>/appeal/", apis.ApplicationAppealApi.as_view(), name="application-appeal"),
    path("remote-filings/", apis.RemoteFilingListCreateApi.as_view(), name="remote-filing-list"),
    path("notifications/", apis.NotificationListApi.as_view(), name="notification-list"),
    path("notifications/<int:pk>/read/", apis.NotificationReadApi.as_view(), name="notification-read"),
    # verify/<code>/ before <uuid:pk>/ so a code is never tried as an id.
    path("certificates/", certificate_apis.CertificateListApi.as_view(), name="certificate-list"),
    path("certificates/verify/<str:code>/", certificate_apis.CertificateVerifyApi.as_view(), name="certificate-verify"),
    path("certificates/<uuid:pk>/", certificate_apis.CertificateDetailApi.as_view(), name="certificate-detail"),
    path(
        "certificates/<uuid:pk>/reviews/",
        certificate_apis.CertificateAnnualReviewApi.as_view(),
        name="certificate-annual-review",
    ),
    path("certificates/<uuid:pk>/pdf/", certificate_apis.CertificatePdfApi.as_view(), name="certificate-pdf"),
]
