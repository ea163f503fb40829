"""Settings shared by every environment; values come from the environment (django-environ)."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# The embedded servers started by scripts/services.py when no URL is given (local and test only).
EMBEDDED_PG_PORT = env.int("EMBEDDED_PG_PORT", default=54329)
EMBEDDED_REDIS_PORT = env.int("EMBEDDED_REDIS_PORT", default=63799)
EMBEDDED_DATABASE_URL = f"postgres://postgres@127.0.0.1:{EMBEDDED_PG_PORT}/qualiopi"
EMBEDDED_REDIS_URL = f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0"

DEBUG = env.bool("DEBUG", default=False)
# `seed_demo` writes demo accounts with a known password: only where a settings module says so.
DEMO_DATA_ALLOWED = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications: public schema (shared) vs one schema per organisation (tenant)
# An app's tables live in public or in every tenant schema, never both (see ARCHITECTURE.md).
SHARED_APPS = [
    "django_tenants",
    "qualiopi_portal.tenancy",
    "qualiopi_portal.accounts",
    "qualiopi_portal.core",
    "indicators.referential",
    "qualiopi_portal.portfolio",
    "qualiopi_portal.operations",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
]
TENANT_APPS = [
    "indicators",
    "evidence",
    "audits",
    "training_offers",
    "financing",
    "assessments",
    "improvement",
    "reports",
    "dashboard",
    "learners",
    "session_documents",
    "surveys",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenancy.Organisation"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
# New organisations are cloned from this migrated schema (python manage.py migrate_portal keeps
# it migrated): ~0.15 s instead of running every tenant migration.
TENANT_BASE_SCHEMA = "template_organisation"
TENANT_CREATION_FAKES_MIGRATIONS = True
# migrate_portal migrates only the schemas that are behind; from this many, in parallel
# (django-tenants' multiprocessing executor, this many processes, schemas handed out in chunks).
TENANT_MIGRATION_PARALLEL_FROM = env.int("TENANT_MIGRATION_PARALLEL_FROM", default=20)
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("TENANT_MULTIPROCESSING_MAX_PROCESSES", default=2)
TENANT_MULTIPROCESSING_CHUNKS = 10
DATABASE_ROUTERS = [
    # Shared apps' models stay on the main database while an organisation kept on another one is
    # current (docs/decisions/0022-past-one-database.md); a no-op with one database.
    "qualiopi_portal.core.databases.OrganisationDatabaseRouter",
    "django_tenants.routers.TenantSyncRouter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "qualiopi_portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qualiopi_portal.middleware.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Selects the organisation's schema from /o/<slug>/ and answers 404 without access.
    "qualiopi_portal.middleware.OrganisationMiddleware",
    "qualiopi_portal.middleware.TwoFactorEnforcementMiddleware",
]

ROOT_URLCONF = "qualiopi_portal.urls_public"
WSGI_APPLICATION = "qualiopi_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qualiopi_portal.tenancy.context_processors.organisation",
            ],
        },
    },
]

# --- Database
DATABASES = {"default": env.db("DATABASE_URL", default=EMBEDDED_DATABASE_URL)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Organisations may live on other PostgreSQL servers: "b=postgres://…,c=postgres://…". The public
# schema stays on DATABASE_URL; each organisation's row names its database (alias), see
# docs/decisions/0022-past-one-database.md. Unset: one database, as before.
for _alias, _url in (
    item.split("=", 1) for item in env.list("ORGANISATION_DATABASES", default=[]) if "=" in item
):
    if _alias.strip() in ("default", "public"):
        raise ValueError("ORGANISATION_DATABASES: the aliases default and public are reserved")
    DATABASES[_alias.strip()] = {
        **environ.Env.db_url_config(_url.strip()),
        "ENGINE": DATABASES["default"]["ENGINE"],
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, Celery broker
REDIS_URL = env.str("REDIS_URL", default=EMBEDDED_REDIS_URL)
CACHES = {
    "default": {
        # Degrades to "no cache" when Redis is unreachable, so the web keeps answering.
        "BACKEND": "qualiopi_portal.core.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "Europe/Paris"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A killed worker's unfinished message waits this long in Redis before it is delivered again;
# the recovery sweeps below do not wait for it (docs/decisions/0011-lost-work.md).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# How often beat runs the recovery sweeps: readiness owed, reports whose message was lost.
RECOVERY_SWEEP_INTERVAL_S = env.float("RECOVERY_SWEEP_INTERVAL_S", default=60.0)
# A readiness request still not computed after this long is computed by the sweep.
READINESS_OWED_AFTER_S = env.int("READINESS_OWED_AFTER_S", default=30)
# A rendering stops at the soft limit and is killed at the hard one, so a report still
# "running" after REPORT_STALE_AFTER_S (above the hard limit) has no live renderer: it is claimed
# again. An attempt that ended by itself (time limit, pool process killed in a live worker) is a
# failure, tried again until REPORT_MAX_FAILURES; one cut short by a lost worker is not, and
# only REPORT_MAX_ATTEMPTS claims in all bound it (docs/decisions/0011-lost-work.md).
REPORT_SOFT_TIME_LIMIT_S = env.int("REPORT_SOFT_TIME_LIMIT_S", default=120)
REPORT_TIME_LIMIT_S = env.int("REPORT_TIME_LIMIT_S", default=150)
REPORT_STALE_AFTER_S = env.int("REPORT_STALE_AFTER_S", default=REPORT_TIME_LIMIT_S + 30)
REPORT_MAX_FAILURES = env.int("REPORT_MAX_FAILURES", default=3)
REPORT_MAX_ATTEMPTS = env.int("REPORT_MAX_ATTEMPTS", default=10)
# When the survey schedule runs each day (local time, CELERY_TIMEZONE).
SURVEY_SCHEDULE_HOUR = env.int("SURVEY_SCHEDULE_HOUR", default=8)
SURVEY_SCHEDULE_MINUTE = env.int("SURVEY_SCHEDULE_MINUTE", default=30)
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "core.worker_heartbeat_task",
        "schedule": 30.0,
    },
    # Evidence whose validity has ended turns "expired" (idempotent; hourly so that a
    # restarted beat catches up the same day).
    "evidence-expire": {
        "task": "evidence.evidence_expire_all_task",
        "schedule": 3600.0,
    },
    # Readiness owed (requested while the broker was unreachable), then every night for all.
    "readiness-owed": {
        "task": "indicators.readiness_recompute_owed_task",
        "schedule": RECOVERY_SWEEP_INTERVAL_S,
    },
    "readiness-nightly": {
        "task": "indicators.readiness_recompute_all_task",
        "schedule": crontab(hour=2, minute=30),
    },
    # Readiness snapshots: every one for READINESS_SNAPSHOTS_KEEP_ALL_DAYS, then one a week.
    "readiness-snapshots-retention": {
        "task": "indicators.snapshots_thin_all_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # Reports whose message was lost (broker unreachable when asked, restarted, worker killed).
    "reports-queued": {
        "task": "indicators.report_queued_task",
        "schedule": RECOVERY_SWEEP_INTERVAL_S,
    },
    # Reminders before deadlines and windows (idempotent: a reminder is never sent twice).
    "reminders-daily": {
        "task": "audits.reminders_send_all_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # Session documents whose rendering message was lost.
    "session-documents-lost": {
        "task": "session_documents.document_jobs_sweep_task",
        "schedule": RECOVERY_SWEEP_INTERVAL_S,
    },
    # Chases and survey invitations whose message was lost (broker down, worker killed).
    "learners-chases-lost": {
        "task": "learners.chases_lost_task",
        "schedule": RECOVERY_SWEEP_INTERVAL_S,
    },
    "surveys-invitations-unsent": {
        "task": "surveys.invitations_unsent_task",
        "schedule": RECOVERY_SWEEP_INTERVAL_S,
    },
    # Surveys sent on schedule: end of session, cold appraisal, yearly stakeholder rounds (one
    # task per organisation; each run creates only what is owed, so a second one creates nothing).
    "surveys-schedule": {
        "task": "surveys.schedule_all_task",
        "schedule": crontab(hour=SURVEY_SCHEDULE_HOUR, minute=SURVEY_SCHEDULE_MINUTE),
    },
    # Survey reminders (each step once, never after an answer or a stop request).
    "surveys-reminders": {
        "task": "surveys.reminders_send_all_task",
        "schedule": crontab(hour=9, minute=0),
    },
    # Each closed survey campaign leaves its dated summary in the evidence library, and the
    # apprentices' evaluations go to the session's trainers (idempotent: once per campaign; it
    # also catches the summaries of campaigns closed early whose message was lost).
    "surveys-campaign-summaries": {
        "task": "surveys.campaign_summaries_task",
        "schedule": crontab(hour=4, minute=0),
    },
    # Learners past their organisation's retention period lose their identity, not their proofs.
    "learners-retention": {
        "task": "learners.anonymise_expired_all_task",
        "schedule": crontab(hour=3, minute=15),
    },
}
# Reminders go out this many days before each deadline or window.
REMINDER_DAYS = [int(days) for days in env.list("REMINDER_DAYS", default=["30", "7", "1"])]
# Below this many learners (or answers) a published rate says "en cours de constitution".
RESULTS_MIN_SAMPLE = env.int("RESULTS_MIN_SAMPLE", default=5)
# Survey reminders: how many at most, and how many days after the last message (portal
# settings, no rule).
SURVEY_REMINDERS = env.int("SURVEY_REMINDERS", default=2)
SURVEY_REMINDER_DAYS = env.int("SURVEY_REMINDER_DAYS", default=7)
# The survey schedule (portal settings, no rule): the end-of-session questionnaires go the day
# after a session's last day, and are still sent up to SURVEY_HOT_WINDOW_DAYS after it; the
# cold appraisal SURVEY_COLD_DAYS after the last day (the referential sets no delay), caught up
# during SURVEY_COLD_WINDOW_DAYS; financers and the teaching team once every 12 months.
SURVEY_HOT_WINDOW_DAYS = env.int("SURVEY_HOT_WINDOW_DAYS", default=7)
SURVEY_COLD_DAYS = env.int("SURVEY_COLD_DAYS", default=60)
SURVEY_COLD_WINDOW_DAYS = env.int("SURVEY_COLD_WINDOW_DAYS", default=30)
# Extra memory a PDF rendering may take in the worker before it fails cleanly.
REPORT_MEMORY_BUDGET_MB = env.int("REPORT_MEMORY_BUDGET_MB", default=1024)
# The portal's address, for links in emails sent by background jobs.
PORTAL_URL = env.str("PORTAL_URL", default="http://127.0.0.1:8000")
# Predicted minor non-conformities from which an organisation is "non certifiable en l'état".
# Every readiness computation is kept this many days; before that, the last of each week.
READINESS_SNAPSHOTS_KEEP_ALL_DAYS = env.int("READINESS_SNAPSHOTS_KEEP_ALL_DAYS", default=90)
READINESS_MINOR_NC_THRESHOLD = env.int("READINESS_MINOR_NC_THRESHOLD", default=5)
# The sessions whose learners' journeys readiness reads (the portal's setting, no rule: the
# certifier samples actions since the last audit).
READINESS_RECENT_SESSIONS_DAYS = env.int("READINESS_RECENT_SESSIONS_DAYS", default=365)
# /healthz reports the worker as absent when its last heartbeat is older than this.
WORKER_HEARTBEAT_MAX_AGE_S = 90

# --- Accounts (django-allauth, email only, TOTP)
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# First and last name too: a person appears by name in the team, the journal and the reviews.
ACCOUNT_SIGNUP_FORM_CLASS = "qualiopi_portal.accounts.forms.SignupForm"
ACCOUNT_USER_DISPLAY = "qualiopi_portal.accounts.models.user_display"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "qualiopi_portal.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Portail Qualiopi] "
# allauth's default rate limits apply: 5 failed logins per account per 5 minutes, 10 per IP
# per minute (generous per IP: a whole training centre may sit behind one address).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Portail Qualiopi"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Portail Qualiopi <noreply@qualiopi.local>"
)

INVITATION_VALIDITY_DAYS = env.int("INVITATION_VALIDITY_DAYS", default=7)

# --- Internationalisation: French first, English available
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
# Dates and times always go through the active language's formats (templates use
# SHORT_DATE_FORMAT, DATE_FORMAT, TIME_FORMAT…); French times are written 09h30.
FORMAT_MODULE_PATH = ["qualiopi_portal.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".run" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / ".run" / "media")))
# Evidence uploads stream to disk in chunks; one file may not exceed this size (bytes).
EVIDENCE_MAX_UPLOAD_BYTES = env.int("EVIDENCE_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
FILE_UPLOAD_HANDLERS = ["evidence.uploads.LimitedTemporaryFileUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", default=None)
FILE_UPLOAD_PERMISSIONS = 0o640
# "Expiring soon" means within this many days (evidence lists, checklists, coverage grid).
EVIDENCE_EXPIRING_SOON_DAYS = 30
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security headers
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Our own assets only: no inline script or style anywhere (htmx's indicator styles are in
# portal.css), images may be data: URIs (the TOTP QR code). `frame-ancestors` is added per
# response by ContentSecurityPolicyMiddleware: 'none', or the value below for the public embed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'"
)
CSP_EMBED_FRAME_ANCESTORS = env.str("CSP_EMBED_FRAME_ANCESTORS", default="*")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint narrates every rendering step at INFO and every unsupported CSS rule.
        "weasyprint": {"level": "ERROR"},
        "weasyprint.progress": {"level": "WARNING"},
    },
}
