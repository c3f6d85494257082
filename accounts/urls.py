"""Routes of the account API (under /api/v1/)."""

from django.urls import path

from accounts import apis, family_apis

urlpatterns = [
    path("auth/sms-code/", apis.SmsCodeApi.as_view(), name="auth-sms-code"),
    path("auth/register/", apis.RegisterApi.as_view(), name="auth-register"),
    path("auth/token/", apis.TokenApi.as_view(), name="auth-token"),
    path("auth/token/refresh/", apis.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout/", apis.LogoutApi.as_view(), name="auth-logout"),
    path("auth/password/reset/", apis.PasswordResetApi.as_view(), name="auth-password-reset"),
    path("auth/password/change/", apis.PasswordChangeApi.as_view(), name="auth-password-change"),
    path("auth/phone/change/", apis.PhoneChangeApi.as_view(), name="auth-phone-change"),
    path("auth/me/", apis.MeApi.as_view(), name="auth-me"),
    path("family/", family_apis.FamilyListCreateApi.as_view(), name="family-list"),
    path("family/<int:pk>/", family_apis.FamilyDetailApi.as_view(), name="family-detail"),
    path("family/<int:pk>/confirm/", family_apis.FamilyConfirmApi.as_view(), name="family-confirm"),
    path("family/<int:pk>/authorisation/", family_apis.FamilyAuthorisationApi.as_view(), name="family-authorisation"),
]
