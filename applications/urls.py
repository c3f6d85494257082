"""Routes of the applicant's API (under /api/v1/)."""

from django.urls import path

from applications import apis, desk_apis, paper_apis

urlpatterns = [
    path("diseases/", apis.DiseaseListApi.as_view(), name="disease-list"),
    path("desk/insured/<str:id_number>/", desk_apis.DeskInsuredApi.as_view(), name="desk-insured"),
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
    path("applications/<uuid:pk>/form/", paper_apis.ApplicationFormApi.as_view(), name="application-form"),
    path(
        "applications/<uuid:pk>/form/confirm/",
        paper_apis.ApplicationFormConfirmApi.as_view(),
        name="application-form-confirm",
    ),
    path(
        "applications/<uuid:pk>/decision-letter/",
        paper_apis.DecisionLetterApi.as_view(),
        name="application-decision-letter",
    ),
    path("applications/<uuid:pk>/appeal/", apis.ApplicationAppealApi.as_view(), name="application-appeal"),
    path("applications/<uuid:pk>/rating/", apis.ApplicationRatingApi.as_view(), name="application-rating"),
    path("applications/<uuid:pk>/precheck/", apis.ApplicationPrecheckApi.as_view(), name="application-precheck"),
    path("applications/<uuid:pk>/access-log/", apis.ApplicationAccessLogApi.as_view(), name="application-access-log"),
    # The annual review is an application the holder files from their certificate.
    path(
        "certificates/<uuid:pk>/reviews/",
        apis.CertificateAnnualReviewApi.as_view(),
        name="certificate-annual-review",
    ),
]
