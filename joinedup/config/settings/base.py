"""Settings shared by every environment. Everything that varies comes from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent  # the joinedup package
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("JOINEDUP_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = False
JOINEDUP_ENVIRONMENT = "base"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
PARTNERSHIP_NAME = os.environ.get("JOINEDUP_PARTNERSHIP_NAME", "Harbourside Safeguarding Children Partnership")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "joinedup.platform",
    "joinedup.directory",
    "joinedup.accounts",
    "joinedup.people",
    "joinedup.governance",
    "joinedup.api",
    "joinedup.web",
    "joinedup.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "joinedup.platform.middleware.RequestIdMiddleware",
    "joinedup.platform.middleware.AuditDeniedMiddleware",
    "joinedup.platform.middleware.ApiGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "joinedup.platform.middleware.SessionTimeoutMiddleware",
    "joinedup.platform.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "joinedup.platform.middleware.NoStoreForSignedInMiddleware",
    # AxesMiddleware must be last: it turns lockouts into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "joinedup.config.urls"
WSGI_APPLICATION = "joinedup.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "joinedup.web.context_processors.navigation",
            ],
            "builtins": ["joinedup.web.templatetags.govuk"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'joinedup.sqlite3'}"),
        conn_max_age=int(os.environ.get("JOINEDUP_DB_CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # AxesStandaloneBackend must be first: it refuses locked-out credentials.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:signed-out"

# Sessions end after 30 minutes idle and 12 hours in all (SessionTimeoutMiddleware).
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# django-axes: lock out after 10 failures for this username from this address.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

EMAIL_BACKEND = os.environ.get("JOINEDUP_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("JOINEDUP_FROM_EMAIL", "joinedup@localhost")
EMAIL_HOST = os.environ.get("JOINEDUP_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("JOINEDUP_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("JOINEDUP_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("JOINEDUP_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("JOINEDUP_EMAIL_USE_TLS", True)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# django-csp 4: a strict policy; GOV.UK Frontend's one inline script carries the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# django-tasks: background work runs in `joinedup worker` from the database queue.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The JSON API's interactive docs; production turns them off.
JOINEDUP_API_DOCS = True
# API calls allowed per caller (user, or address when anonymous).
JOINEDUP_API_RATE = os.environ.get("JOINEDUP_API_RATE", "600/m")
# API calls allowed per client address, checked before authentication.
JOINEDUP_API_ADDRESS_RATE = os.environ.get("JOINEDUP_API_ADDRESS_RATE", "1200/m")

# Fernet keys for fields encrypted at rest (a young person's optional full name). The first key
# encrypts, every key decrypts: put a new key first to rotate. Required in production.
JOINEDUP_FIELD_KEYS = env_list("JOINEDUP_FIELD_KEYS")
# The cliff-edge forecast (DESIGN §6): window W, horizon, minimum exits K and minimum drop D.
JOINEDUP_FORECAST_WINDOW_DAYS = int(os.environ.get("JOINEDUP_FORECAST_WINDOW_DAYS", "90"))
JOINEDUP_FORECAST_HORIZON_DAYS = int(os.environ.get("JOINEDUP_FORECAST_HORIZON_DAYS", "365"))
JOINEDUP_FORECAST_MIN_EXITS = int(os.environ.get("JOINEDUP_FORECAST_MIN_EXITS", "2"))
JOINEDUP_FORECAST_MIN_DROP = float(os.environ.get("JOINEDUP_FORECAST_MIN_DROP", "0.5"))
# The transitions dashboard keeps each agency's list of cliff edges and prompt candidates in memory
# this long (seconds; 0: never). Forecast changes show at once; who is involved within this time.
JOINEDUP_DASHBOARD_CACHE_SECONDS = float(os.environ.get("JOINEDUP_DASHBOARD_CACHE_SECONDS", "30"))
# Break-glass access to a young person's record lasts this many hours.
JOINEDUP_BREAK_GLASS_HOURS = int(os.environ.get("JOINEDUP_BREAK_GLASS_HOURS", "4"))
# The silo map lists pairs of agencies sharing at least this many young people but no forum.
JOINEDUP_SILO_MIN_SHARED = int(os.environ.get("JOINEDUP_SILO_MIN_SHARED", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JOINEDUP_LOG_LEVEL", "WARNING")},
}

CSRF_FAILURE_VIEW = "joinedup.web.views.csrf_failure"

# SQLite: take the write lock at the start of a transaction so concurrent writers wait
# rather than fail half-way, and keep readers off writers' backs with WAL.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
