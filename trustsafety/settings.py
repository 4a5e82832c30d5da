"""Settings for Trust & Safety Desk: one file, driven by the environment.

Every variable is listed in ``.env.example``. ``DEBUG`` is off unless the environment says
``DEBUG=1``: a production that forgot a variable is still a production. Development says so
(the Makefile, ``trustsafety/devrun.py`` and the test suite's pytest settings), and then the
defaults make a fresh clone work (embedded PostgreSQL and Redis, development secrets). With
``DEBUG`` off, unsafe values — missing secrets, the placeholders of ``.env.example`` —
raise ``ImproperlyConfigured`` instead of silently running a weak production.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from trustsafety.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
_DEV_SECRET = "dev-only-insecure-secret-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - refused when DEBUG is off
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The secrets of .env.example as it is written (and as it was: the database password
# "desk"): copied into .env unchanged they are secrets everyone knows. Refused when DEBUG is
# off; tests/test_production_settings.py checks each one against .env.example itself.
_PLACEHOLDERS = {
    "SECRET_KEY": {"change-me-to-60-random-characters-change-me-to-60-random-characters"},
    "PROVISIONING_WEBHOOK_SECRET": {"change-me-32-random-characters-or-more"},
    "POSTGRES_PASSWORD": {"change-me-database-password", "desk"},
}


def _refuse_placeholders() -> None:
    for name, placeholders in _PLACEHOLDERS.items():
        if env_str(name) in placeholders:
            raise ImproperlyConfigured(f"{name} is the placeholder of .env.example: set your own")
    if urlsplit(env_str("DATABASE_URL")).password in _PLACEHOLDERS["POSTGRES_PASSWORD"]:
        raise ImproperlyConfigured(
            "DATABASE_URL carries the placeholder password of .env.example: set your own"
        )


if not DEBUG:
    _refuse_placeholders()
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters")
    if not env_str("DATABASE_URL") or not env_str("REDIS_URL"):
        raise ImproperlyConfigured("DATABASE_URL and REDIS_URL are required when DEBUG is off")

# Fernet keys for secrets stored encrypted (mailbox passwords), newest first; see
# trustsafety/crypto.py. Unset in development: derived from SECRET_KEY.
FIELD_ENCRYPTION_KEY = env_list("FIELD_ENCRYPTION_KEY", [])
if not DEBUG and not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is required when DEBUG is off")

# --- services: real ones, embedded when no URL is given -------------------------------
DATABASE_URL = env_str("DATABASE_URL")
REDIS_URL = env_str("REDIS_URL")
if not DATABASE_URL or not REDIS_URL:
    from trustsafety import embedded

    _urls = embedded.connection_urls()
    DATABASE_URL = DATABASE_URL or _urls["database_url"]
    REDIS_URL = REDIS_URL or _urls["redis_url"]

# REDIS_DB picks another database on the same server (the test suite uses its own, so a
# running demo worker never consumes the tests' tasks).
if env_str("REDIS_DB"):
    _redis = urlsplit(REDIS_URL)
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{env_int('REDIS_DB', 0)}"))

DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})["NAME"] = env_str("TEST_DATABASE_NAME", "") or None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "tsd"),
    }
}

# --- applications ------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "leads",
    "accounts",
    "customers",
    "complaints",
    "campaigns",
    "legal",
    "billing",
    "retention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Audits every read of a restricted ticket, whichever view serves it (complaints/audit.py).
    "complaints.audit.RestrictedReadAuditMiddleware",
]

ROOT_URLCONF = "trustsafety.urls"
WSGI_APPLICATION = "trustsafety.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "billing.context_processors.billing",
            ],
        },
    }
]

# --- auth ----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling against password guessing (django-axes): lock a username+IP pair.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_VERBOSE = False
# The client's address behind our TLS proxy, not the proxy's (accounts/client_address.py).
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_address"

# --- i18n / time -------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- static ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# htmx and Chart.js (the dashboards' charts) come from npm (package.json); `make` installs
# them and collectstatic serves them.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- security headers ------------------------------------------------------------------
# Strict CSP: nothing but our own origin, no inline script or style (docs/architecture.md promise 5).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The container's health check asks over plain HTTP on loopback (docker-compose.yml).
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Behind the reverse proxy, its X-Forwarded-Proto and X-Forwarded-For are believed — the
# latter only from TRUSTED_PROXIES (CIDRs; default loopback and private ranges), so a client
# reaching the app server around the proxy cannot pick the address its lockout is keyed on.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
TRUSTED_PROXIES = env_list(
    "TRUSTED_PROXIES",
    ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- REST API ----------------------------------------------------------------------------
# Report submissions per token (POST /api/v1/reports/); read live by the reports throttle.
REPORTS_API_THROTTLE = env_str("REPORTS_API_THROTTLE", "120/min")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # A reporter's token (tsr_) is refused with a 403 outside the reports endpoints.
        "complaints.api.authentication.ReporterTokenRefused",
        "accounts.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "trustsafety.api.DepthSafeJSONParser",  # too deep a body is a 400, not a 500
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "30/min"),
        "user": env_str("API_THROTTLE_USER", "1200/min"),
        "reports": REPORTS_API_THROTTLE,
    },
    "EXCEPTION_HANDLER": "trustsafety.api.exception_handler",
    # Throttles key anonymous clients by address: the one our proxy appended to
    # X-Forwarded-For behind it, REMOTE_ADDR otherwise (None would take the whole header,
    # which the client writes).
    "NUM_PROXIES": 1 if BEHIND_TLS_PROXY else 0,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trust & Safety Desk API",
    "DESCRIPTION": "Abuse reports, tickets, customers and IP allocations.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # A reporter may read the schema it files reports by (the default classes refuse it).
    "SERVE_AUTHENTICATION": [
        "complaints.api.authentication.ReporterTokenAuthentication",
        "accounts.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "trustsafety.api.schema_error_responses",  # the errors every operation can answer
        "trustsafety.api.schema_blank_query_parameters",  # ?name= is "not given"
    ],
    # Several models have fields named status/kind/evidence_status: name each enum.
    "ENUM_NAME_OVERRIDES": {
        "ReportStatusEnum": "complaints.models.reports.Report.Status",
        "ReportEvidenceStatusEnum": "complaints.models.reports.Report.Evidence",
        "TicketStatusEnum": "complaints.models.tickets.Ticket.Status",
        "TicketKindEnum": "complaints.models.tickets.Ticket.Kind",
        "TicketEvidenceStatusEnum": "complaints.models.tickets.Ticket.Evidence",
        "ActionKindEnum": "complaints.models.actions.ActionKind",
        "HoldingStatusEnum": "customers.models.Customer.Status",  # services share it
        "LegalRequestTypeEnum": "legal.models.RequestType",
        "LegalScopeKindEnum": "legal.models.ScopeItem.Kind",
        "CancellationTypeEnum": "retention.models.Cancellation.Type",
        "CancellationReasonEnum": "retention.models.CancelReason",
        "BillingInquiryReasonEnum": "billing.models.InquiryReason",
    },
}
# X-Frame-Options stays SAMEORIGIN (not DENY): the ticket page frames its own sandboxed
# evidence viewer. HSTS preloading is an operator's decision (SECURE_HSTS_PRELOAD).
SILENCED_SYSTEM_CHECKS = ["security.W019", "security.W021"]

# --- Celery --------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = False  # a real worker runs, always
CELERY_TASK_DEFAULT_QUEUE = "default"
# Queues by task name: intake work, DNS/network checks, everything else.
CELERY_TASK_ROUTES = {
    "complaints.reports_process": {"queue": "ingest"},
    "complaints.reports_sweep_stuck": {"queue": "ingest"},
    "complaints.mailbox_*": {"queue": "ingest"},
    "complaints.mailboxes_poll": {"queue": "ingest"},
    "customers.dnsbl_*": {"queue": "checks"},
    "customers.domain_check*": {"queue": "checks"},
    # Outbound mail and the reactions that queue it (exact names win over the globs above).
    "complaints.reports_react": {"queue": "default"},
    "complaints.message_send": {"queue": "default"},
    "complaints.messages_requeue_stuck": {"queue": "default"},
}
# Task modules outside an app's tasks.py (autodiscovery only finds <app>.tasks).
CELERY_IMPORTS = [
    "complaints.intake.tasks",
    "complaints.mediation.tasks",
    "complaints.actions.tasks",
    "customers.reputation.tasks",
    "leads.tasks",
    "campaigns.tasks",
    "legal.tasks",
    "billing.tasks",
    "retention.tasks",
]
CELERY_TASK_TRACK_STARTED = True
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = TIME_ZONE
# Redis redelivers unacknowledged tasks after this; our own sweeper re-queues stuck work
# sooner, so this only bounds the worst case.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "worker-heartbeat": {"task": "accounts.heartbeat_record", "schedule": 60.0},
    "reports-sweep-stuck": {"task": "complaints.reports_sweep_stuck", "schedule": 60.0},
    "sla-sweep": {"task": "complaints.sla_sweep", "schedule": 60.0},
    "policy-rules-apply": {
        "task": "complaints.policy_rules_apply",
        "schedule": float(env_int("POLICY_RULES_INTERVAL_SECONDS", 900)),
    },
    "messages-requeue-stuck": {"task": "complaints.messages_requeue_stuck", "schedule": 120.0},
    "dnsbl-sweep-all": {
        "task": "customers.dnsbl_sweep_all",
        "schedule": float(env_int("DNSBL_SWEEP_INTERVAL_SECONDS", 3600)),
    },
    "delisting-remind": {"task": "customers.delisting_remind", "schedule": 3600.0},
    "compromise-rules-apply": {"task": "customers.compromise_rules_apply", "schedule": 600.0},
    "mailboxes-poll": {"task": "complaints.mailboxes_poll", "schedule": 60.0},
    "mediation-reminders": {"task": "complaints.tickets_remind_due", "schedule": 900.0},
    "mediation-digests": {"task": "complaints.customer_digests_send", "schedule": 3600.0},
    "mediation-closed-notices": {"task": "complaints.tickets_closed_notify_due", "schedule": 300.0},
    # The dashboards' rollups (leads/rollups.py), and the leads' digest on Monday mornings.
    "leads-rollups-refresh": {
        "task": "leads.rollups_refresh_all",
        "schedule": float(env_int("LEADS_ROLLUP_INTERVAL_SECONDS", 600)),
    },
    "leads-digests": {
        "task": "leads.lead_digests_queue",
        "schedule": crontab(minute=0, hour=env_int("LEADS_DIGEST_HOUR", 7), day_of_week="mon"),
    },
    "campaigns-advance": {
        "task": "campaigns.campaigns_advance_running",
        "schedule": float(env_int("CAMPAIGN_ADVANCE_INTERVAL_SECONDS", 900)),
    },
    # The legal desk (legal/): deadlines' reminders and "notify the customer now" when a gag
    # ends; preservations that ran out; the legal mailboxes.
    "legal-reminders-fire": {"task": "legal.reminders_fire", "schedule": 300.0},
    "legal-preservations-lapse": {"task": "legal.preservations_lapse", "schedule": 3600.0},
    "legal-mailboxes-poll": {"task": "legal.mailboxes_poll", "schedule": 60.0},
    "billing-sources-sync": {"task": "billing.sources_sync_due", "schedule": 300.0},
    "billing-inquiry-mailboxes-poll": {"task": "billing.inquiry_mailboxes_poll", "schedule": 60.0},
    "billing-adjustments-requeue": {"task": "billing.adjustments_requeue_stuck", "schedule": 300.0},
    "retention-surveys-send-due": {"task": "retention.surveys_send_due", "schedule": 600.0},
    "retention-terminations-record": {"task": "retention.terminations_record", "schedule": 600.0},
}

# --- intake ------------------------------------------------------------------------------
# Bounds on the work spent on one report (docs/architecture.md promise 4).
REPORT_MAX_BYTES = env_int("REPORT_MAX_BYTES", 25 * 1024 * 1024)
REPORT_MAX_MIME_DEPTH = env_int("REPORT_MAX_MIME_DEPTH", 20)
REPORT_MAX_PARTS = env_int("REPORT_MAX_PARTS", 500)
REPORT_MAX_DECOMPRESSED_BYTES = env_int("REPORT_MAX_DECOMPRESSED_BYTES", 100 * 1024 * 1024)
REPORT_DEADLINE_SECONDS = env_int("REPORT_DEADLINE_SECONDS", 30)
# A report whose processing was cut off this many times (worker killed) is quarantined.
REPORT_MAX_ATTEMPTS = env_int("REPORT_MAX_ATTEMPTS", 3)
INGEST_BATCH_SIZE = env_int("INGEST_BATCH_SIZE", 200)
# Bytes a batch may decode (raw plus decompressed) before it stops parsing and hands the
# reports it did not reach to a new task: a batch's parse results are held until it files.
INGEST_BATCH_MAX_BYTES = env_int("INGEST_BATCH_MAX_BYTES", 64 * 1024 * 1024)
REPORT_TASK_TIME_LIMIT = env_int("REPORT_TASK_TIME_LIMIT", 660)  # hard limit of one batch task
# Reports still "received" after this many seconds are queued again by the sweeper.
REPORT_STUCK_AFTER_SECONDS = env_int("REPORT_STUCK_AFTER_SECONDS", 120)
# Work queued after a commit (a filed report's reactions, an approved action) that no task
# has taken after this many seconds is queued again by the sweeper, once per stall.
FOLLOW_UP_STUCK_AFTER_SECONDS = env_int("FOLLOW_UP_STUCK_AFTER_SECONDS", 300)
# authserv-ids of our own receiving mail servers: only the topmost Authentication-Results,
# and only when one of these wrote it, counts (complaints/intake/mail_auth.py). The example id is
# the development default; in production it would let any sender who writes it be believed,
# so it is refused, and an unset list believes no mail (nothing is authenticated).
_EXAMPLE_AUTHSERV_ID = "mx.desk.example"
TRUSTED_AUTHSERV_IDS = env_list("TRUSTED_AUTHSERV_IDS", [_EXAMPLE_AUTHSERV_ID] if DEBUG else [])
if not DEBUG and _EXAMPLE_AUTHSERV_ID in {i.lower() for i in TRUSTED_AUTHSERV_IDS}:
    raise ImproperlyConfigured(
        f"TRUSTED_AUTHSERV_IDS must name your own MX's authserv-id, not the example "
        f"{_EXAMPLE_AUTHSERV_ID!r}"
    )
# IMAP polling (complaints/intake/imap.py): socket timeout, the time one poll may take before it
# stops starting batches (the task's hard limit adds two socket timeouts and 60 s), the
# bytes fetched at once, and the prefix kept of a message over REPORT_MAX_BYTES (quarantined
# "too-large").
IMAP_TIMEOUT_SECONDS = env_int("IMAP_TIMEOUT_SECONDS", 30)
IMAP_POLL_SECONDS = env_int("IMAP_POLL_SECONDS", 240)
IMAP_FETCH_BYTES = env_int("IMAP_FETCH_BYTES", 64 * 1024 * 1024)
IMAP_OVERSIZE_PREFIX_BYTES = env_int("IMAP_OVERSIZE_PREFIX_BYTES", 256 * 1024)
# CA bundle for IMAPS/STARTTLS (blank: the system's); certificates are always verified.
IMAP_CA_FILE = env_str("IMAP_CA_FILE", "")

# --- reputation watch (customers/reputation) -------------------------------------------
# The DNS server blocklist zones are asked through (a local rbldnsd mirror or a resolver
# allowed to use the lists); a zone may override it. The doctor's nameserver resolves
# customers' domains (a recursive resolver).
DNSBL_NAMESERVER = env_str("DNSBL_NAMESERVER", "127.0.0.1:53")
DOCTOR_NAMESERVER = env_str("DOCTOR_NAMESERVER", "127.0.0.1:53")
DNSBL_BATCH_SIZE = env_int("DNSBL_BATCH_SIZE", 4096)  # addresses per sweep task
DNSBL_CONCURRENCY = env_int("DNSBL_CONCURRENCY", 256)  # queries in flight per sweep task
DNSBL_TIMEOUT_SECONDS = env_int("DNSBL_TIMEOUT_SECONDS", 2)
DNSBL_IPV6_EVENT_DAYS = env_int("DNSBL_IPV6_EVENT_DAYS", 90)  # IPv6 hosts seen in events since
DELISTING_REMIND_DAYS = env_int("DELISTING_REMIND_DAYS", 3)  # a pending request goes stale

# --- outbound mail -------------------------------------------------------------------------
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 1025)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# The desk's own address; replies come back to DESK_REPLY_LOCALPART+<token>@DESK_MAIL_DOMAIN.
DESK_MAIL_DOMAIN = env_str("DESK_MAIL_DOMAIN", "desk.example")
DESK_FROM_ADDRESS = env_str("DESK_FROM_ADDRESS", f"abuse@{DESK_MAIL_DOMAIN}")
DESK_REPLY_LOCALPART = env_str("DESK_REPLY_LOCALPART", "abuse")
PROVIDER_NAME = env_str("PROVIDER_NAME", "Example Hosting")
# Sending (complaints/mediation/outbound.py): attempts before a message is marked failed, the first
# retry delay (doubling, capped at 30 min), and how long a queued message may wait before
# the sweeper queues it again.
MAIL_SEND_MAX_ATTEMPTS = env_int("MAIL_SEND_MAX_ATTEMPTS", 8)
MAIL_RETRY_BACKOFF_SECONDS = env_int("MAIL_RETRY_BACKOFF_SECONDS", 60)
MAIL_STUCK_AFTER_SECONDS = env_int("MAIL_STUCK_AFTER_SECONDS", 600)
# Acknowledgements per reporter address and per reporter domain in one hour: a flood of
# authenticated reports cannot turn the desk into a mail cannon (complaints/mediation/acknowledgements.py).
ACK_RATE_PER_ADDRESS_HOUR = env_int("ACK_RATE_PER_ADDRESS_HOUR", 20)
ACK_RATE_PER_DOMAIN_HOUR = env_int("ACK_RATE_PER_DOMAIN_HOUR", 200)
# Hours a customer is given to answer a first notice (the notice's "deadline").
CUSTOMER_NOTICE_DEADLINE_HOURS = env_int("CUSTOMER_NOTICE_DEADLINE_HOURS", 48)
# Mediation (complaints/mediation/: followups.py, digests.py, selfservice.py): hours before a reminder to a
# party the ticket waits for and how many; automated notices to one customer per window
# before the rest wait for the digest; self-service link lifetime and POSTs per link per hour.
MEDIATION_ANSWER_HOURS = env_int("MEDIATION_ANSWER_HOURS", 72)
MEDIATION_REMINDER_AFTER_HOURS = env_int("MEDIATION_REMINDER_AFTER_HOURS", 72)
MEDIATION_MAX_REMINDERS = env_int("MEDIATION_MAX_REMINDERS", 2)
MEDIATION_NOTICE_BURST = env_int("MEDIATION_NOTICE_BURST", 5)
MEDIATION_NOTICE_WINDOW_MINUTES = env_int("MEDIATION_NOTICE_WINDOW_MINUTES", 60)
SELFSERVICE_LINK_DAYS = env_int("SELFSERVICE_LINK_DAYS", 30)
SELFSERVICE_POSTS_PER_HOUR = env_int("SELFSERVICE_POSTS_PER_HOUR", 10)
DEFAULT_FROM_EMAIL = DESK_FROM_ADDRESS
SERVER_EMAIL = DESK_FROM_ADDRESS

# --- the legal desk (legal/) ----------------------------------------------------------------
# The time zone a legal request's days and months are counted in unless the request names
# its own (legal/deadlines.py), and where customers are told to write about a legal notice.
LEGAL_TIME_ZONE = env_str("LEGAL_TIME_ZONE", "Europe/Berlin")
LEGAL_DESK_ADDRESS = env_str("LEGAL_DESK_ADDRESS", f"legal@{DESK_MAIL_DOMAIN}")

# --- campaigns (campaigns/) ---------------------------------------------------------------
# A campaign mail accepted by the relay with no bounce after this many hours counts as
# delivered (campaigns/sending.py); beat runs each running campaign's round this often.
CAMPAIGN_DELIVERED_AFTER_HOURS = env_int("CAMPAIGN_DELIVERED_AFTER_HOURS", 24)

# --- actions (complaints/actions/services.py, provisioning.py) ---------------------------
# The provisioning webhook that carries out suspend/terminate/null-route, signed with
# HMAC-SHA256; its callbacks must be signed with the same secret.
PROVISIONING_WEBHOOK_URL = env_str(
    "PROVISIONING_WEBHOOK_URL", "http://127.0.0.1:8098/provisioning/"
)
_DEV_WEBHOOK_SECRET = "dev-only-provisioning-secret"  # noqa: S105 - refused when DEBUG is off
PROVISIONING_WEBHOOK_SECRET = env_str("PROVISIONING_WEBHOOK_SECRET", _DEV_WEBHOOK_SECRET)
if not DEBUG and (
    PROVISIONING_WEBHOOK_SECRET == _DEV_WEBHOOK_SECRET or len(PROVISIONING_WEBHOOK_SECRET) < 32
):
    raise ImproperlyConfigured(
        "PROVISIONING_WEBHOOK_SECRET must be a random value of 32+ characters"
    )
PROVISIONING_TIMEOUT_SECONDS = env_int("PROVISIONING_TIMEOUT_SECONDS", 10)
PROVISIONING_MAX_ATTEMPTS = env_int("PROVISIONING_MAX_ATTEMPTS", 8)
PROVISIONING_RETRY_BASE_SECONDS = env_int("PROVISIONING_RETRY_BASE_SECONDS", 30)
PROVISIONING_CALLBACK_WINDOW_SECONDS = env_int("PROVISIONING_CALLBACK_WINDOW_SECONDS", 300)
# Customers that are the provider itself: policy rules never act against them.
PROVIDER_CUSTOMER_IDS = env_list("PROVIDER_CUSTOMER_IDS", ["PROVIDER"])
# At most this many automatic actions per hour (more are only proposed).
AUTOMATIC_ACTIONS_PER_HOUR = env_int("AUTOMATIC_ACTIONS_PER_HOUR", 10)

# --- billing (billing/) ---------------------------------------------------------------------
# Refunds and credits above this amount need a second person of the billing role (four eyes);
# billing questions one address may send through the public form in an hour.
try:
    BILLING_FOUR_EYES_ABOVE = Decimal(env_str("BILLING_FOUR_EYES_ABOVE", "100.00"))
except InvalidOperation as exc:
    raise ImproperlyConfigured("BILLING_FOUR_EYES_ABOVE must be an amount, like 100.00") from exc
BILLING_FORM_PER_HOUR = env_int("BILLING_FORM_PER_HOUR", 5)

# --- retention (retention/) -----------------------------------------------------------------
# The satisfaction survey goes out this many hours after a ticket is solved and can be
# answered this many days; a rating at or below CSAT_BAD_RATING opens a follow-up for a lead.
# A cancellation link works this many days.
CSAT_DELAY_HOURS = env_int("CSAT_DELAY_HOURS", 24)
CSAT_ANSWER_DAYS = env_int("CSAT_ANSWER_DAYS", 28)
CSAT_BAD_RATING = env_int("CSAT_BAD_RATING", 2)
CANCEL_LINK_DAYS = env_int("CANCEL_LINK_DAYS", 14)

# --- logging -----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
