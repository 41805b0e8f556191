"""Settings shared by every environment, read from the environment (12-factor).

With nothing set the project runs embedded: SQLite and Celery tasks executed eagerly.
With DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis) it runs on the real services.
"""

import datetime as dt
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    env.read_env(str(env_file))

# The built-in key is for a laptop; production settings refuse to start with it.
LOCAL_SECRET_KEY = "bosang-insecure-local-key-change-me"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=LOCAL_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_htmx",
    "config.apps.AxesConfig",
    "csp",
    "config",
    "policies",
    "incidents",
    "claims",
    "payouts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RejectNulBytesMiddleware",
    "config.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# Database: PostgreSQL through psycopg 3 when DATABASE_URL is set, SQLite otherwise.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Connections are kept between requests (a new PostgreSQL connection costs more than a quote)
# and checked before reuse, so one the server dropped is replaced rather than failing.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)  # seconds
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USING_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# The RM queue's indexes carry columns (INCLUDE) that only PostgreSQL stores; the embedded
# SQLite demo builds them without, which is what it needs at its size.
SILENCED_SYSTEM_CHECKS = [] if USING_POSTGRES else ["models.W040"]
if USING_POSTGRES:
    # Lets the API's token query stay prepared on its connection (config/authentication.py):
    # PostgreSQL spends twice as long planning it as running it. Django's other queries bind on
    # the client, which never prepares. Off behind a transaction-pooling proxy (PgBouncer),
    # where the next transaction may land on a server connection that never saw the statement.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        5 if env.bool("DJANGO_DB_PREPARED_STATEMENTS", default=True) else None
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "home"
# A back-office session lasts a working day and ends when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=9 * 60 * 60)  # seconds
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_FAILURE_VIEW = "config.views.csrf_failure"

# Brute force: after AXES_FAILURE_LIMIT wrong passwords a username is locked, and separately
# so is the address they came from, for AXES_COOLOFF_MINUTES; an operator unlocks early by
# deleting the attempt in the admin (*접근 시도*).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_MINUTES = env.int("AXES_COOLOFF_MINUTES", default=30)
AXES_COOLOFF_TIME = dt.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.views.locked_out"
AXES_VERBOSE = False

# Password reset by mail only where mail can be sent (EMAIL_URL, e.g. smtp://…); without it
# the reset page says to ask an administrator.
PASSWORD_RESET_BY_MAIL = bool(env("EMAIL_URL", default=""))
if PASSWORD_RESET_BY_MAIL:
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="bosang@localhost")
# Who receives the masked summaries of brand-risk RM incidents (seed 003 names 카모's jack).
BRAND_RISK_CONTACT = env("BRAND_RISK_CONTACT", default="jack")
# An open RM incident due within this many business hours is "due_soon" in the queue: long
# enough to be worked before it is late (half of the RM day of 09-18).
INCIDENTS_SLA_DUE_SOON_HOURS = env.int("INCIDENTS_SLA_DUE_SOON_HOURS", default=4)
# RM notices (a breached SLA) are also e-mailed to users with an address, where mail can be sent
# (EMAIL_URL); a mail that failed is tried again by the next sweeps for this many hours.
INCIDENTS_MAIL_NOTIFICATIONS = env.bool(
    "INCIDENTS_MAIL_NOTIFICATIONS", default=PASSWORD_RESET_BY_MAIL
)
INCIDENTS_MAIL_RETRY_HOURS = env.int("INCIDENTS_MAIL_RETRY_HOURS", default=24)
# Late cases the breach sweep marks per transaction.
INCIDENTS_SWEEP_CHUNK = env.int("INCIDENTS_SWEEP_CHUNK", default=500)

# Content-Security-Policy: every script and style is a vendored file of ours; nothing inline.
CONTENT_SECURITY_POLICY = {
    # JSON answers run nothing in a browser; the header is for pages.
    "EXCLUDE_URL_PREFIXES": ["/api/v1/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LANGUAGE_CODE = "ko-kr"
# The project's Korean, ahead of Django's and the libraries' (config/locale/ko, compiled .mo
# committed so a fresh machine needs no gettext).
LOCALE_PATHS = [BASE_DIR / "config" / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

REST_FRAMEWORK = {
    # Token first: an anonymous call then answers 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The API speaks JSON only: a form body is a 415, never a half-parsed one.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.api.JSONOnlyNegotiation",
    # Client addresses for the anonymous rate come from REMOTE_ADDR unless a proxy count is
    # set: a client-chosen X-Forwarded-For must not give every guess a fresh allowance.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.AnonRateThrottle",
        "config.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="1200/min"),
    },
}
# API tokens expire this long after they are made; the admin rotates them (*토큰*).
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=30 * 24)
# A process reuses a token it read (with its user and permissions) for this long: a token
# revoked, a user deactivated or a permission withdrawn in another process takes effect there
# within this time (at once in the process that made the change). 0 reads it every call.
API_AUTH_CACHE_SECONDS = env.int("API_AUTH_CACHE_SECONDS", default=5)

# Throttle counters live in the cache: Redis when CACHE_URL names it (shared by every worker
# process), else each process's memory.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

SPECTACULAR_SETTINGS = {
    "TITLE": "Bosang API",
    "DESCRIPTION": "보상 백오피스 API: 보상 정책 견적, 클레임, RM, 지급.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema and the docs pages are for logged-in users and token clients only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_error_responses",
    ],
    # One schema name per code set of the policy book, wherever a field uses it.
    "ENUM_NAME_OVERRIDES": {
        "EffectTypeEnum": "policies.models.choices.EffectType",
        "PolicyInstrumentEnum": "policies.models.choices.Instrument",
        "PaymentActionEnum": "policies.models.choices.PaymentAction",
        "PartyEnum": "policies.models.choices.Party",
        "TargetEnum": "policies.models.choices.Target",
        "TriggerEnum": "policies.models.choices.Trigger",
        "ClaimStatusEnum": "claims.models.Claim.Status",
        "PayoutInstrumentEnum": "payouts.models.choices.Instrument",
        "DiscussionInstrumentEnum": "claims.api.serializers.DISCUSSION_INSTRUMENTS",
        # Account kinds: payouts names the same set for its recipients.
        "RecipientKindEnum": "payouts.models.choices.RecipientKind",
        "IncidentStatusEnum": "incidents.models.rm.Incident.Status",
        "IncidentPartyRoleEnum": "incidents.models.rm.IncidentParty.Role",
        "InsuranceKindEnum": "policies.models.insurance.InsuranceKind",
        "ReliefApplicationStatusEnum": "claims.relief.models.ReliefApplication.Status",
        "ReliefImportStatusEnum": "claims.relief.models.ReliefImport.Status",
        "ReliefDecisionKindEnum": "claims.relief.review_models.ReliefDecision.Kind",
    },
}

# Celery. Without a broker the tasks run eagerly in-process (embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only after it ran, so a worker killed mid-task leaves the message
# to be redelivered; every task is idempotent so redelivery is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Hard limit of any task; the Redis visibility timeout below must stay longer than this,
# or Redis would hand a still-running task to a second worker.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=60 * 60),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Beat runs in CELERY_TIMEZONE (Asia/Seoul), so the hours below are Korean time.
CELERY_BEAT_SCHEDULE: dict = {
    # 02:00 KST, the quietest hour of the night: issue every pending payout request. It is also
    # the sweep for requests whose on_commit enqueue was lost. Two beat processes firing give
    # one run (one nightly batch per date, a unique constraint).
    "payouts-nightly-batch": {
        "task": "payouts.run_nightly_batch",
        "schedule": crontab(hour=2, minute=0),
    },
    # Hourly: a batch whose chunk messages were lost (worker gone before acking, broker flushed)
    # gets its unfinished chunks enqueued again; chunks are idempotent.
    "payouts-resume-stalled-batches": {
        "task": "payouts.resume_stalled_batches",
        "schedule": crontab(minute=30),
    },
    # Hourly, beside it: a grant whose recipients stopped loading (its worker died mid-CSV) is
    # run again; loading is idempotent and the run then starts its batch.
    "payouts-resume-stalled-grant-loads": {
        "task": "payouts.resume_stalled_grant_loads",
        "schedule": crontab(minute=35),
    },
    # Every 5 minutes, day and night: RM cases whose SLA due time passed are marked breached
    # and their assignees told. Due times fall on the hour or between (business hours are
    # counted to the minute), so a breach is known at most 5 minutes late. Marking is a
    # compare-and-set: two beats, or a run overlapping the next, mark each case once.
    "incidents-sweep-sla-breaches": {
        "task": "incidents.sweep_sla_breaches",
        "schedule": crontab(minute="*/5"),
    },
    # 04:10 KST daily: 사고다발 flags are judged when an incident changes, but nothing changes
    # when an accident simply ages out of the rolling year; this re-judges every standing flag
    # and clears those below the bar. Judging is idempotent, so a second beat changes nothing.
    "incidents-rejudge-repeat-accident-flags": {
        "task": "incidents.rejudge_repeat_accident_flags",
        "schedule": crontab(hour=4, minute=10),
    },
    # 10:00 KST, daytime so customers read it: coupon expiry reminders 7 and 3 days ahead.
    "payouts-coupon-expiry-reminders": {
        "task": "payouts.send_coupon_reminders",
        "schedule": crontab(hour=10, minute=0),
    },
}

# Quotes read published versions from memory (they never change). The current version's
# number is cached this long (seconds) and dropped on publish; with a per-process cache another
# worker may quote the version just retired for at most this long.
POLICIES_CURRENT_VERSION_CACHE_SECONDS = env.int(
    "POLICIES_CURRENT_VERSION_CACHE_SECONDS", default=30
)
POLICIES_BOOKS_KEPT = 16  # versions kept in memory per process

# Payouts. The issuer is "ledger" (records the grant in our ledger only) or "http" (posts each
# grant to the billing endpoint with its idempotency key, then records it).
PAYOUTS_ISSUER = env("PAYOUTS_ISSUER", default="ledger")
PAYOUTS_BILLING_URL = env("PAYOUTS_BILLING_URL", default="")
PAYOUTS_BILLING_CONNECT_TIMEOUT = env.float("PAYOUTS_BILLING_CONNECT_TIMEOUT", default=2.0)  # s
PAYOUTS_BILLING_READ_TIMEOUT = env.float("PAYOUTS_BILLING_READ_TIMEOUT", default=5.0)  # s
PAYOUTS_BILLING_MAX_ATTEMPTS = env.int("PAYOUTS_BILLING_MAX_ATTEMPTS", default=4)
PAYOUTS_BILLING_BACKOFF = env.float("PAYOUTS_BILLING_BACKOFF", default=0.5)  # s, doubled per try
# Requests per chunk of a batch: one chunk is one task and one transaction on the ledger path.
PAYOUTS_CHUNK_SIZE = env.int("PAYOUTS_CHUNK_SIZE", default=2000)
# Connections a blanket grant issues its slices on at once, with the ledger issuer on
# PostgreSQL (payouts/services/grant_direct.py): the work is PostgreSQL's, one backend each.
PAYOUTS_GRANT_ISSUE_CONNECTIONS = env.int("PAYOUTS_GRANT_ISSUE_CONNECTIONS", default=2)
# Uploaded recipient CSVs of blanket grants (one account id a line; can be millions of lines).
# Claim evidence: where files are kept, the largest accepted (bytes) and the types accepted,
# recognised from the file's own bytes (a JPEG, PNG or PDF signature), not its name.
CLAIMS_EVIDENCE_ROOT = env.path("CLAIMS_EVIDENCE_ROOT", default=BASE_DIR / "var" / "claims")
CLAIMS_EVIDENCE_MAX_BYTES = env.int("CLAIMS_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
CLAIMS_EVIDENCE_TYPES = env.list(
    "CLAIMS_EVIDENCE_TYPES", default=["image/jpeg", "image/png", "application/pdf"]
)
# RM incident evidence: the same checks (config.evidence), its own root and limits.
INCIDENTS_EVIDENCE_ROOT = env.path(
    "INCIDENTS_EVIDENCE_ROOT", default=BASE_DIR / "var" / "incidents"
)
INCIDENTS_EVIDENCE_MAX_BYTES = env.int("INCIDENTS_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
INCIDENTS_EVIDENCE_TYPES = env.list(
    "INCIDENTS_EVIDENCE_TYPES", default=["image/jpeg", "image/png", "application/pdf"]
)
PAYOUTS_UPLOAD_ROOT = env.path("PAYOUTS_UPLOAD_ROOT", default=BASE_DIR / "var" / "payouts")
# Notices go to the outbox table by default (read by the messaging service and by operators);
# payouts.notifiers.LogNotifier only logs.
PAYOUTS_NOTIFIER = env("PAYOUTS_NOTIFIER", default="payouts.notifiers.OutboxNotifier")
PAYOUTS_REMINDER_DAYS_BEFORE = [7, 3]
# A running batch older than this is resumed by the hourly task (minutes).
PAYOUTS_STALLED_AFTER_MINUTES = env.int("PAYOUTS_STALLED_AFTER_MINUTES", default=90)
# A request claimed for an HTTP delivery (`issuing`) longer than this was left by a dead worker:
# the resume and sweep paths put it back to pending and it is posted again with the same
# idempotency key. Longer than one delivery with all its retries and than issue_request's time
# limit (5 min), so a live delivery is never released (minutes).
PAYOUTS_ISSUING_TIMEOUT_MINUTES = env.int("PAYOUTS_ISSUING_TIMEOUT_MINUTES", default=20)
# payouts_reconcile warns about requests pending, issuing or failed for longer (days).
PAYOUTS_STUCK_AFTER_DAYS = env.int("PAYOUTS_STUCK_AFTER_DAYS", default=3)
# Who sees which payout request: managers all; others those of the claim decisions they may
# see, which the claims workflow names through this hook (dotted path to f(user) -> refs).
PAYOUTS_VISIBLE_DECISIONS = env(
    "PAYOUTS_VISIBLE_DECISIONS", default="claims.selectors.decision_refs_visible_to"
)
# The claims linked to an RM incident, for its detail (incidents may not import claims, which
# holds the links): a dotted path to `f(incident_id)` giving dicts of number, type, type_label,
# status, status_label and url. Empty: no linked claims shown.
INCIDENTS_LINKED_CLAIMS = env(
    "INCIDENTS_LINKED_CLAIMS", default="claims.selectors.claims_linked_to_incident"
)
# Models (`app_label.Model`) whose rows `payouts_blanket_grant --queryset` may grant to: the
# account tables, never an arbitrary table. Empty: --queryset is refused.
PAYOUTS_GRANT_QUERYSETS = env.list("PAYOUTS_GRANT_QUERYSETS", default=[])

BUSINESS_HOLIDAY_COUNTRY = "KR"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
# Relief bulk imports: the uploaded CSVs and their error reports.
RELIEF_IMPORT_ROOT = env.path("RELIEF_IMPORT_ROOT", default=BASE_DIR / "var" / "relief")
