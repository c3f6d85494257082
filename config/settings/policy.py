"""The service's own settings, read from the environment like the rest (config/settings/base.py
imports them): policy values that cities differ on (DESIGN: "a policy setting, since cities differ"),
logging, the review, notifications and one-time codes, the announcement and certificates, designated
points and the medical-insurance platform."""

from __future__ import annotations

from config.logging import logging_config
from config.settings.env import env, env_bool, env_int, env_list

# --- Policy settings (DESIGN: "a policy setting, since cities differ") ---------------------------
POOLING_REGION_PREFIX = env("POOLING_REGION_PREFIX", "6209")

# One line per event; `LOG_FORMAT=json` (production's default) for a log collector: every line an object
# with time, level, logger, message, request_id, and the request's or task's fields (config/observability.py).
LOG_FORMAT = env("LOG_FORMAT", "text")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env("LOG_LEVEL", "INFO"))
# Error tracking, only where a DSN is given (nothing personal is sent: no request bodies, no user data).
SENTRY_DSN = env("SENTRY_DSN")
# Who may read /metrics (Prometheus): the machines of the monitoring network; everyone else gets a 404.
METRICS_ALLOWED_NETWORKS = env_list(
    "METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
)
REVIEW_WORKING_DAYS = env_int("REVIEW_WORKING_DAYS", 20)
REVIEW_PANEL_SIZE = env_int("REVIEW_PANEL_SIZE", 2)
REVIEW_PANEL_SIZE_ANNUAL = env_int("REVIEW_PANEL_SIZE_ANNUAL", 1)
# The SLA sweep reminds experts when this many working days are left.
REVIEW_REMIND_WORKING_DAYS_LEFT = env_int("REVIEW_REMIND_WORKING_DAYS_LEFT", 5)

# --- Notifications: in-app always; SMS through an adapter; e-mail through Django's mail backends --
SMS_BACKEND = env("SMS_BACKEND", "config.sms.LogSmsBackend")
# A delivery holds its notification this long while it talks to the gateways; a run that died
# mid-send leaves the claim to expire and `retry_stuck` queues the delivery again.
DELIVERY_LEASE_SECONDS = env_int("DELIVERY_LEASE_SECONDS", 300)
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@ybj.jiuquan.example")
NOTIFY_SMS = env_bool("NOTIFY_SMS", True)
NOTIFY_EMAIL = env_bool("NOTIFY_EMAIL", False)
# One-time SMS codes (accounts/codes.py): their life, and how many a phone or an address gets an hour.
SMS_CODE_MINUTES = env_int("SMS_CODE_MINUTES", 5)
SMS_CODE_RESEND_SECONDS = env_int("SMS_CODE_RESEND_SECONDS", 60)
SMS_CODES_PER_PHONE_HOUR = env_int("SMS_CODES_PER_PHONE_HOUR", 5)
SMS_CODES_PER_IP_HOUR = env_int("SMS_CODES_PER_IP_HOUR", 20)
# Work left in a state longer than this is picked up again by the `retry_stuck` job; a completeness
# check queued this many times and still not done is failing: the officers are told, it stops there.
STUCK_AFTER_MINUTES = env_int("STUCK_AFTER_MINUTES", 5)
CHECK_MAX_ATTEMPTS = env_int("CHECK_MAX_ATTEMPTS", 5)
# A submit this soon after the previous one, with no document changed since, is the same submission
# (a double click): it is answered with the application as it is and checks nothing again.
SUBMIT_REPEAT_SECONDS = env_int("SUBMIT_REPEAT_SECONDS", 10)
# Annual reviews and change applications reuse identity and insurance scans of the person's earlier
# accepted application up to this age (an ID card is valid for 5, 10 or 20 years).
DOCUMENT_REUSE_MAX_AGE_DAYS = env_int("DOCUMENT_REUSE_MAX_AGE_DAYS", 5 * 365)
# Redress named by the decision letter: the one in-system appeal within this many days of a rejection,
# then 行政复议 (60 days, by law) before this body, or 行政诉讼 (6 months, by law).
APPEAL_WINDOW_DAYS = env_int("APPEAL_WINDOW_DAYS", 60)
ADMINISTRATIVE_REVIEW_BODY = env("ADMINISTRATIVE_REVIEW_BODY", "酒泉市人民政府")

# --- Announcement, benefits and certificates (policy settings: cities differ) ---------------------
ANNOUNCEMENT_WORKING_DAYS = env_int("ANNOUNCEMENT_WORKING_DAYS", 5)
# Ended batches stay public this many days after their period (PIPL: no longer than needed).
ANNOUNCEMENT_PUBLIC_DAYS = env_int("ANNOUNCEMENT_PUBLIC_DAYS", 90)
# Benefits start at the diagnosis date if applied for within this many months of it, else this many before.
BENEFIT_BACKDATE_MONTHS = env_int("BENEFIT_BACKDATE_MONTHS", 6)
CERTIFICATION_REVIEW_MONTHS = env_int("CERTIFICATION_REVIEW_MONTHS", 12)
REVIEW_GRACE_DAYS = env_int("REVIEW_GRACE_DAYS", 30)
# The CJK font embedded in PDFs (Noto Sans CJK, OFL; fonts-noto-cjk); missing: STSong-Light, not embedded.
PDF_CJK_FONT = env("PDF_CJK_FONT", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
# The bureau's signature on its PDFs (config/pdf/signing.py): PEM key and certificate; demo mode self-signs.
PDF_SIGNING_KEY_FILE = env("PDF_SIGNING_KEY_FILE")
PDF_SIGNING_CERT_FILE = env("PDF_SIGNING_CERT_FILE")
PDF_SIGNING_KEY_PASSPHRASE = env("PDF_SIGNING_KEY_PASSPHRASE", "")
# Where the QR code on a certificate points (the public verify page). Required in production.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", f"http://127.0.0.1:{env('PORT', '8000')}")
REMOTE_FILING_WORKING_DAYS = env_int("REMOTE_FILING_WORKING_DAYS", 2)

# --- Designated treatment points and the medical-insurance information platform (certification) ----
# 1 to 3 designated institutions per benefit; a holder changes them this often per calendar year (an
# officer may override with a reason); a change takes effect the next day.
DESIGNATED_POINTS_MAX = env_int("DESIGNATED_POINTS_MAX", 3)
DESIGNATED_POINT_CHANGES_PER_YEAR = env_int("DESIGNATED_POINT_CHANGES_PER_YEAR", 1)
# The national interface (医保信息平台): unset, a local simulator accepts every message (make run).
NATIONAL_PLATFORM_URL = env("NATIONAL_PLATFORM_URL")
NATIONAL_PLATFORM_APP_ID = env("NATIONAL_PLATFORM_APP_ID", "osd-jiuquan")
NATIONAL_PLATFORM_SECRET = env("NATIONAL_PLATFORM_SECRET", "")
NATIONAL_PLATFORM_TIMEOUT = float(env("NATIONAL_PLATFORM_TIMEOUT", "10"))
# The envelope: this system's sender code (its first 12 characters start every msgid), the regions.
NATIONAL_PLATFORM_SENDER = env("NATIONAL_PLATFORM_SENDER", "H62090000000")
NATIONAL_PLATFORM_REGION = env("NATIONAL_PLATFORM_REGION", "620900")  # mdtrtarea_admvs / insuplc_admdvs
NATIONAL_PLATFORM_SYSTEM_CODE = env("NATIONAL_PLATFORM_SYSTEM_CODE", "MZMTB")  # recer_sys_code
# Retries: 1 minute doubling to a 2-hour cap, then dead-lettered (officers told, resend in the admin).
PLATFORM_RETRY_BASE_SECONDS = env_int("PLATFORM_RETRY_BASE_SECONDS", 60)
PLATFORM_RETRY_MAX_SECONDS = env_int("PLATFORM_RETRY_MAX_SECONDS", 7200)
PLATFORM_MAX_ATTEMPTS = env_int("PLATFORM_MAX_ATTEMPTS", 12)
# A refusal (infcode -1) is final unless its err_msg says the platform is only busy.
PLATFORM_TRANSIENT_MARKERS = env_list("PLATFORM_TRANSIENT_MARKERS", ["系统繁忙", "稍后重试", "超时"])
