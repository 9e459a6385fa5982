"""All settings, driven by the environment (see README "Configuration").

Without any variables set this gives the embedded mode: SQLite, a file-system broker and
generated local secrets under ``var/``. ``PRODUCTION=true`` switches to the production
rules: every secret and service URL must be given, and ``check --deploy`` is clean.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

from config.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    sqlite_database,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var"))).resolve()
PRODUCTION = env_bool("PRODUCTION", False)
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must not be true when PRODUCTION is true.")


def _local_secret(name: str, make) -> str:
    """A secret generated once per checkout and kept in var/ (embedded mode only)."""
    if PRODUCTION:
        raise ImproperlyConfigured(
            f"The environment variable {name} (or {name}_FILE) must be set in production."
        )
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / f"{name.lower()}.txt"
    if not path.exists():
        path.write_text(make(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _fernet_key() -> str:
    return Fernet.generate_key().decode()


SECRET_KEY = env_str("SECRET_KEY") or _local_secret("SECRET_KEY", lambda: secrets.token_urlsafe(50))
# Provider secrets (issue: provider connections) are encrypted with these Fernet keys, never
# with SECRET_KEY. The first key encrypts; all keys decrypt, so a new key can be put first
# and the old ones removed after `rotate_provider_keys`.
PROVIDER_ENCRYPTION_KEYS = env_list("PROVIDER_ENCRYPTION_KEYS") or [
    _local_secret("PROVIDER_ENCRYPTION_KEYS", _fernet_key)
]

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.microsoft",
    "infra",
    "schools",
    "rollout",
    "surveys",
    "trainings",
    "integrations",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "infra.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "schools.middleware.PrivatePagesMiddleware",
    "schools.middleware.KnownDeviceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "schools.middleware.MfaRequiredMiddleware",
    "schools.middleware.TenantMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "schools.User"

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
                "django.template.context_processors.i18n",
                "schools.context_processors.portal",
            ],
        },
    }
]

FORM_RENDERER = "config.forms.PortalFormRenderer"

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if PRODUCTION and not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set in production.")
DATABASES = {
    "default": parse_database_url(DATABASE_URL, sqlite_base=BASE_DIR)
    if DATABASE_URL
    else sqlite_database(VAR_DIR / "portal.sqlite3")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (login rate limits, shared by every web process) ------------------------------
REDIS_URL = env_str("REDIS_URL")
# Put before every Redis key the portal writes (cache, provider rate limits, broker queues), so
# that several deployments (or parallel test processes) can share one Redis server and database.
REDIS_KEY_PREFIX = env_str("REDIS_KEY_PREFIX")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
elif PRODUCTION and env_int("WEB_CONCURRENCY", 2, minimum=1) > 1:
    # Sign-in failure counters, rate limits and quota state must be one for all web processes.
    raise ImproperlyConfigured("REDIS_URL must be set in production with more than one web process.")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Celery -------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or env_str("BROKER_URL")
if PRODUCTION and not CELERY_BROKER_URL:
    raise ImproperlyConfigured("CELERY_BROKER_URL must be set in production.")
if not CELERY_BROKER_URL:
    # Embedded mode: kombu's file-system transport needs no server and is shared between
    # the web process and a real worker process through this folder.
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "control"):
        (BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
    if REDIS_KEY_PREFIX and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = f"{REDIS_KEY_PREFIX}:"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = "UTC"
# Named queues, so that a long piece of work on one never holds the workers another needs (a
# 200-school council PDF, a provisioning job). A worker started without -Q consumes all four
# (`make run`, the tests); docker-compose.yml runs one worker per queue.
TASK_QUEUES = ("provisioning", "reports", "mail", "default")
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in TASK_QUEUES]
CELERY_TASK_DEFAULT_QUEUE = "default"
_MAIL = {"queue": "mail"}
CELERY_TASK_ROUTES = {
    # Provisioning jobs: working their items, and the reconciler that keeps them moving.
    "integrations.tasks.work_job": {"queue": "provisioning"},
    "integrations.tasks.reconcile_jobs": {"queue": "provisioning"},
    # Making a plan and checking one before it is applied: reading the provider to the end.
    "integrations.tasks.make_plan": {"queue": "provisioning"},
    "integrations.tasks.apply_plan": {"queue": "provisioning"},
    "integrations.tasks.reconcile_plans": {"queue": "provisioning"},
    # Council and regional report PDFs.
    "reporting.tasks.build_report": {"queue": "reports"},
    # Every task that sends e-mail. The rest (beat's sweeps, retention, facts) on "default".
    "schools.tasks.send_invitation": _MAIL,
    "integrations.tasks.notify_job_finished": _MAIL,
    "surveys.tasks.send_invitations": _MAIL,
    "surveys.tasks.send_teacher_links": _MAIL,
    "surveys.tasks.send_reminders": _MAIL,
    "trainings.tasks.notify_promoted": _MAIL,
    "trainings.tasks.notify_certificate": _MAIL,
    "trainings.tasks.send_reminders": _MAIL,
    "trainings.tasks.remind_session": _MAIL,
    "trainings.tasks.remind_event": _MAIL,
    "trainings.tasks.remind_expiry": _MAIL,
    "rollout.tasks.send_weekly_digests": _MAIL,
}
# Benchmarks against a time-scaled sandbox shorten the quota windows and our waits for the
# provider's replication the same way; 1 for real clouds.
PROVIDER_QUOTA_TIME_SCALE = float(env_str("PROVIDER_QUOTA_TIME_SCALE", "1") or "1")
CELERY_BEAT_SCHEDULE = {
    "reconcile-provisioning-jobs": {"task": "integrations.tasks.reconcile_jobs", "schedule": 60.0},
    "reconcile-plans": {"task": "integrations.tasks.reconcile_plans", "schedule": 60.0},
    "purge-initial-passwords": {"task": "integrations.tasks.purge_initial_passwords", "schedule": 3600.0},
    # Each municipality's retention policy (leavers, roster files, passwords, audit): daily.
    "purge-personal-data": {"task": "schools.tasks.purge_personal_data", "schedule": 24 * 3600.0},
    "survey-reminders": {"task": "surveys.tasks.send_reminders", "schedule": 900.0},
    "rollout-refresh-facts": {"task": "rollout.tasks.refresh_facts", "schedule": 3600.0},
    "rollout-notify-overdue": {"task": "rollout.tasks.notify_overdue", "schedule": 6 * 3600.0},
    "rollout-weekly-digests": {"task": "rollout.tasks.send_weekly_digests", "schedule": 3600.0},
    "rollout-monitoring-snapshots": {"task": "rollout.tasks.take_due_snapshots", "schedule": 6 * 3600.0},
    "training-reminders": {"task": "trainings.tasks.send_reminders", "schedule": 3600.0},
    # Work that was not queued because the broker was down when the user asked for it.
    "flush-outbox": {"task": "schools.tasks.flush_outbox", "schedule": 60.0},
    "send-unsent-invitations": {"task": "schools.tasks.send_unsent_invitations", "schedule": 900.0},
    "reporting-requeue-reports": {"task": "reporting.tasks.requeue_reports", "schedule": 300.0},
    # Roster imports whose worker died (or whose task the broker lost) go on.
    "reconcile-roster-imports": {"task": "integrations.tasks.reconcile_roster_imports", "schedule": 60.0},
}
# A roster check writes its progress every chunk (a few seconds); silent this long, it is restarted.
ROSTER_CHECK_STALE_SECONDS = env_int("ROSTER_CHECK_STALE_SECONDS", 300, minimum=10)
ROLLOUT_MAX_UPLOAD_MB = env_int("ROLLOUT_MAX_UPLOAD_MB", 10, minimum=1)
# A roster file (a region's 250,000 rows): the upload handlers keep files up to this size, and
# the roster reader refuses by its own byte bound (integrations/roster/readers.py MAX_BYTES).
ROSTER_MAX_UPLOAD_MB = 64
# Download links (credential slips, evidence, reports) work this long, for the user and the
# municipality they were made for (infra/links.py).
DOWNLOAD_LINK_SECONDS = env_int("DOWNLOAD_LINK_SECONDS", 600, minimum=10)
# A file larger than every upload form accepts is counted, not kept (infra/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "infra.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Temporary passwords of new accounts stay (encrypted) for the credential slips this long.
CREDENTIAL_RETENTION_DAYS = env_int("CREDENTIAL_RETENTION_DAYS", 14, minimum=1)
# Items whose claim was not refreshed for this long go back to the queue: a working worker
# refreshes its claims every third of it (integrations.provisioning.claims.Heartbeat), so only the items of a
# process that died go stale, and the reconciler (every minute) hands them on.
JOB_ITEM_STUCK_SECONDS = env_int("JOB_ITEM_STUCK_SECONDS", 60, minimum=5)
# How many tasks work on one job side by side (each claims its own chunks of items).
JOB_PARALLEL_TASKS = env_int("JOB_PARALLEL_TASKS", 4, minimum=1)
# The most a plan reads from a provider (integrations.plans.read_current): beyond these the plan
# fails, saying which bound (a region of 220,000 accounts is well inside them).
PLAN_READ_LIMITS = {
    "accounts": env_int("PLAN_MAX_ACCOUNTS", 500_000, minimum=1),
    "groups": env_int("PLAN_MAX_GROUPS", 20_000, minimum=1),
    "members": env_int("PLAN_MAX_MEMBERS", 2_000_000, minimum=1),
}
# Roles that get no account from a plan (comma-separated; "none": everyone on the roster).
PLAN_EXCLUDED_ROLES = tuple(
    role for role in env_str("PLAN_EXCLUDED_ROLES", "student").split(",") if role not in ("", "none")
)
# A plan still waiting for a worker this long after it was asked for is queued again.
PLAN_REQUEUE_SECONDS = env_int("PLAN_REQUEUE_SECONDS", 60, minimum=1)
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 10, minimum=1)
WORKER_HEARTBEAT_STALE_SECONDS = env_int("WORKER_HEARTBEAT_STALE_SECONDS", 60, minimum=5)

# --- Provider sandbox (integrations/sandbox) -----------------------------------------------
SANDBOX_URL = env_str("SANDBOX_URL", "https://localhost:8443").rstrip("/")
SANDBOX_STATE_DIR = Path(env_str("SANDBOX_STATE_DIR", str(VAR_DIR / "sandbox")))
SANDBOX_CA_FILE = SANDBOX_STATE_DIR / "ca.pem"

# --- Authentication -----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "schools.auth.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "schools.auth.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none"  # accounts only come from invitations, whose link proves the address
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_SESSION_REMEMBER = False  # sessions end with the browser: schools share computers
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[School in the Cloud] "
# Failed logins: counted by schools.signin_limits (per account and client address, growing
# delays, known devices exempt from strangers' failures) in the shared cache, with the client
# address from REMOTE_ADDR unless a trusted proxy count is configured, so a rotating
# X-Forwarded-For header does not reset the count; allauth's own coarse limit is off.
ACCOUNT_RATE_LIMITS = {
    "login_failed": False,
    "login": "300/m/ip",  # a flood guard only: a large school signs in from one address at 8 a.m.
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "School in the Cloud")
MFA_RECOVERY_CODE_COUNT = 10
MFA_TOTP_TOLERANCE = 1  # one 30-second step of clock skew either way, as RFC 6238 recommends
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never sign in to an existing account by e-mail alone
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_PROVIDERS: dict = {}
# Optional external sign-in, configured per deployment.
GOOGLE_ALLOWED_DOMAINS = env_list("GOOGLE_ALLOWED_DOMAINS")
MICROSOFT_ALLOWED_TENANTS = env_list("MICROSOFT_ALLOWED_TENANTS")
if env_str("GOOGLE_CLIENT_ID"):
    if not GOOGLE_ALLOWED_DOMAINS:
        raise ImproperlyConfigured(
            "GOOGLE_ALLOWED_DOMAINS must list the Google Workspace domains allowed to sign in."
        )
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [
            {
                "client_id": env_str("GOOGLE_CLIENT_ID"),
                "secret": env_str("GOOGLE_CLIENT_SECRET", required=True),
            }
        ],
        "SCOPE": ["openid", "email", "profile"],
        "AUTH_PARAMS": {"prompt": "select_account"},
    }
if env_str("MICROSOFT_CLIENT_ID"):
    if not MICROSOFT_ALLOWED_TENANTS:
        raise ImproperlyConfigured(
            "MICROSOFT_ALLOWED_TENANTS must list the Entra tenant ids allowed to sign in."
        )
    SOCIALACCOUNT_PROVIDERS["microsoft"] = {
        "APPS": [
            {
                "client_id": env_str("MICROSOFT_CLIENT_ID"),
                "secret": env_str("MICROSOFT_CLIENT_SECRET", required=True),
                # One allowed tenant pins the authority; several use "organizations" and the
                # adapter checks the token's tenant id against the list.
                "settings": {
                    "tenant": MICROSOFT_ALLOWED_TENANTS[0]
                    if len(MICROSOFT_ALLOWED_TENANTS) == 1
                    else "organizations"
                },
            }
        ],
    }

# Roles that may not use the portal until they have enrolled a second factor.
MFA_REQUIRED = env_bool("MFA_REQUIRED", True)
INVITATION_DAYS = env_int("INVITATION_DAYS", 7, minimum=1)

# --- Sessions and cookies -----------------------------------------------------------------
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No 'unsafe-inline' anywhere: no inline scripts, style attributes or event handlers in templates.
# The external sign-in buttons post a form that redirects to the provider, which browsers check
# against form-action too.
_FORM_ACTION = " ".join(
    ["'self'"]
    + (["https://accounts.google.com"] if "google" in SOCIALACCOUNT_PROVIDERS else [])
    + (["https://login.microsoftonline.com"] if "microsoft" in SOCIALACCOUNT_PROVIDERS else [])
)
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    f"form-action {_FORM_ACTION}; frame-ancestors 'none'",
)
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("bg", _("Bulgarian")),
    ("pl", _("Polish")),
    ("ru", _("Russian")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # what Django's locale formats lack (Bulgarian grouping)
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool("STATIC_MANIFEST", PRODUCTION)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing folder

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "School in the Cloud <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Logging ------------------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"}},
}
