"""Settings for Zhilian, read from environment variables (see README, "Configuration")."""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import pgettext_lazy

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("ZHILIAN_DATA_DIR", str(BASE_DIR / "data"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("ZHILIAN_DEBUG", False)
TESTING = env_bool("ZHILIAN_TESTING", False)


def _secret_key():
    """Return SECRET_KEY from the environment, or a key kept in the data directory.

    An embedded installation needs no configuration, yet its sessions must survive a
    restart, so a generated key is stored once next to the database.
    """
    if env("SECRET_KEY"):
        return env("SECRET_KEY")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # Zhilian's apps come first: where several apps provide the same resource Django takes the
    # first one's, and for translations that means a string our catalogues translate reads as they
    # say, not as django.contrib.admin or rest_framework translate the same msgid (增加 for 新增,
    # 历史 for 变更历史). Shared mechanisms first, then the domains in dependency order; among
    # themselves the same rule holds, so strings that mean different things in different apps
    # carry a context (pgettext). tests/test_i18n.py checks every catalogue string at runtime.
    # No template, static file or management command of ours shares a name with a third-party one.
    "zhilian.core",
    "zhilian.accounts",
    "zhilian.directory",
    "zhilian.needs",
    "zhilian.chains",
    "zhilian.problems",
    "zhilian.consortia",
    "zhilian.projects",
    "zhilian.achievements",
    "zhilian.evaluation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "django_bootstrap5",
    "csp",
    "huey.contrib.djhuey",
    "django_otp",
    "django_otp.plugins.otp_totp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhilian.core.middleware.PlatformLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhilian.core.middleware.RequestContextMiddleware",
    # After the request context, so that sign-outs it forces are audited with the address.
    "zhilian.accounts.middleware.SessionSecurityMiddleware",
    "zhilian.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "zhilian.urls"
WSGI_APPLICATION = "zhilian.wsgi.application"

FORM_RENDERER = "zhilian.core.renderers.FormRenderer"

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
                "django.template.context_processors.i18n",
                "zhilian.core.context_processors.platform",
            ],
            "builtins": ["zhilian.core.templatetags.kepturls"],
        },
    }
]

# PostgreSQL only; off behind a pooler in transaction mode older than PgBouncer 1.21.
ZHILIAN_PREPARED_STATEMENTS = env_bool("ZHILIAN_PREPARED_STATEMENTS", True)
ZHILIAN_PG_PARALLEL_WORKERS = env_int("ZHILIAN_PG_PARALLEL_WORKERS", 0)

# Database: DATABASE_URL, or an embedded SQLite file in the data directory.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'zhilian.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web workers read while the job worker writes.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
    )
else:
    # JIT compilation pays off for analytical queries, not for a web page's: a scoped list's
    # estimated cost crossed jit_above_cost and spent 600 ms compiling a 30 ms query.
    # Django reads a form's choices through a server-side cursor held past its transaction,
    # which PostgreSQL plans to return its first tenth fast and then computes whole: the units
    # an enterprise may name took 250 ms by walking the 100,000 units in name order instead
    # of 1 ms by key. Every cursor here is read to its end, so plan for all of it.
    # Parallel workers speed up one large query on an idle server; a platform's pages are many
    # small queries from concurrent users on few cores, where workers take the cores the other
    # requests wait for: searches spent a quarter of a core in workers (2.7 ms a request) and a
    # member's count ran 13 ms with a worker against 5 ms without (docs/benchmarks.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c jit=off -c cursor_tuple_fraction=1"
        f" -c max_parallel_workers_per_gather={ZHILIAN_PG_PARALLEL_WORKERS}")
    # Kept statements (core.keptsql) run prepared: PostgreSQL parses and plans them once per
    # connection. psycopg prepares nothing unless this is set; Django's own cursors bind values
    # client-side and are never prepared, so only statements asked to be are (the number is
    # the executions after which psycopg would prepare one of its own accord: never).
    if ZHILIAN_PREPARED_STATEMENTS:
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 2**31 - 1)
    DATABASES["default"].setdefault("TEST", {})["CHARSET"] = "UTF8"
    # pg_trgm needs a UTF-8 locale to make trigrams of Chinese characters.
    DATABASES["default"]["TEST"]["TEMPLATE"] = "template0"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = ["zhilian.accounts.backends.LockoutBackend"]

# ---------------------------------------------------------------- security policy (SEC-01 … SEC-05)
# Each figure is the GB/T 22239-2019 level 3 default; docs/security.md lists them all.
# A choice of more rows than this is searched by name instead of listed (core.lookups).
ZHILIAN_LOOKUP_THRESHOLD = env_int("ZHILIAN_LOOKUP_THRESHOLD", 1000)
# A searched list counts its matches up to this many and says "more than" beyond (core.pagination).
ZHILIAN_SEARCH_COUNT_CAP = env_int("ZHILIAN_SEARCH_COUNT_CAP", 1000)
ZHILIAN_PASSWORD_MIN_LENGTH = env_int("ZHILIAN_PASSWORD_MIN_LENGTH", 8)
ZHILIAN_PASSWORD_MIN_CLASSES = env_int("ZHILIAN_PASSWORD_MIN_CLASSES", 3)  # of lower, upper, digit, symbol
ZHILIAN_PASSWORD_HISTORY = env_int("ZHILIAN_PASSWORD_HISTORY", 5)  # may not reuse the last N
ZHILIAN_PASSWORD_MAX_AGE_DAYS = env_int("ZHILIAN_PASSWORD_MAX_AGE_DAYS", 90)  # 0: never expires
ZHILIAN_LOGIN_MAX_FAILURES = env_int("ZHILIAN_LOGIN_MAX_FAILURES", 5)
ZHILIAN_LOCKOUT_MINUTES = env_int("ZHILIAN_LOCKOUT_MINUTES", 30)
ZHILIAN_SIGNIN_WINDOW_SECONDS = env_int("ZHILIAN_SIGNIN_WINDOW_SECONDS", 300)
ZHILIAN_SIGNIN_MAX_PER_ACCOUNT = env_int("ZHILIAN_SIGNIN_MAX_PER_ACCOUNT", 10)  # attempts per window
ZHILIAN_SIGNIN_MAX_FAILURES_PER_ADDRESS = env_int("ZHILIAN_SIGNIN_MAX_FAILURES_PER_ADDRESS", 20)
ZHILIAN_SESSION_IDLE_MINUTES = env_int("ZHILIAN_SESSION_IDLE_MINUTES", 30)
ZHILIAN_SESSION_MAX_HOURS = env_int("ZHILIAN_SESSION_MAX_HOURS", 12)
# API tokens end after this long (0: no limit); the caller asks POST /api/v1/auth/token/ again.
ZHILIAN_API_TOKEN_MAX_AGE_DAYS = env_int("ZHILIAN_API_TOKEN_MAX_AGE_DAYS", 30)
ZHILIAN_API_TOKEN_IDLE_HOURS = env_int("ZHILIAN_API_TOKEN_IDLE_HOURS", 48)
# Roles that must sign in with a TOTP second factor: role codes, "all" or "none".
ZHILIAN_2FA_REQUIRED_ROLES = env_list(
    "ZHILIAN_2FA_REQUIRED_ROLES",
    "system_admin,security_admin,audit_admin,city_regulator,district_regulator,grassroots_regulator",
)
# Reverse proxies in front of the platform whose X-Forwarded-For entry is trusted (0: none).
ZHILIAN_PROXY_COUNT = env_int("ZHILIAN_PROXY_COUNT", 0)
# Django's admin bypasses the platform's sign-in (second factor); off unless asked for.
ZHILIAN_ADMIN_ENABLED = env_bool("ZHILIAN_ADMIN_ENABLED", False)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "zhilian.accounts.validators.MinimumLengthValidator",
     "OPTIONS": {"min_length": ZHILIAN_PASSWORD_MIN_LENGTH}},
    {"NAME": "zhilian.accounts.validators.CharacterClassesValidator",
     "OPTIONS": {"min_classes": ZHILIAN_PASSWORD_MIN_CLASSES}},
    # Django's list of 20 000 passwords most often found in breach corpora.
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # A common word (English or pinyin) or a name of the account, its organization or the
    # site with digits and symbols added: Admin@123, P@ssw0rd123, Owner@2026.
    {"NAME": "zhilian.accounts.validators.CommonWordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "zhilian.accounts.validators.PasswordHistoryValidator",
     "OPTIONS": {"history": ZHILIAN_PASSWORD_HISTORY}},
]

SESSION_COOKIE_AGE = ZHILIAN_SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
OTP_TOTP_ISSUER = env("ZHILIAN_SITE_NAME", "质链 Zhilian")
OTP_TOTP_THROTTLE_FACTOR = 1

# Internationalization: Simplified Chinese first, English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# Static and uploaded files. Every asset is vendored: intranet deployments have no internet.
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env("ZHILIAN_STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env("ZHILIAN_MEDIA_ROOT", str(DATA_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # files are only ever served through permission-checked views

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING
        else "zhilian.core.staticstorage.StaticFilesStorage"
    },
}
if env("ZHILIAN_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("ZHILIAN_S3_BUCKET"),
            "endpoint_url": env("ZHILIAN_S3_ENDPOINT_URL"),
            "access_key": env("ZHILIAN_S3_ACCESS_KEY"),
            "secret_key": env("ZHILIAN_S3_SECRET_KEY"),
            "region_name": env("ZHILIAN_S3_REGION"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG

ZHILIAN_UPLOAD_MAX_BYTES = env_int("ZHILIAN_UPLOAD_MAX_MB", 50) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "zhilian.core.uploads.SizeLimitUploadHandler",  # SEC-08: drop an oversized file while it streams
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Mail: notifications go by e-mail only when a host is configured.
EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "zhilian@localhost")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else "django.core.mail.backends.console.EmailBackend"
)
ZHILIAN_MAIL_ENABLED = bool(EMAIL_HOST) or TESTING

# Background jobs: SQLite-backed huey needs no server; set REDIS_URL to use Redis at scale.
# utc=False: huey reads the clock in local time, so the crontab times of the periodic tasks
# (the risk scan at 06:10, the sign-in prune at 03:17) are TIME_ZONE times (Beijing), not UTC;
# Django sets the process's TZ to TIME_ZONE when the settings load.
if env("REDIS_URL"):
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "zhilian",
        "url": env("REDIS_URL"),
        "immediate": TESTING,
        "utc": False,
        "consumer": {"workers": env_int("ZHILIAN_JOB_WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "zhilian",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        "immediate": TESTING,
        "utc": False,
        "consumer": {"workers": env_int("ZHILIAN_JOB_WORKERS", 2), "worker_type": "thread"},
    }

# REST API
# A blank choice filter keeps every row: 全部 / All (zhilian.core.filters.ALL, same message).
FILTERS_EMPTY_CHOICE_LABEL = pgettext_lazy("filter choice", "All")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token and session authentication, refused while the password must be changed,
        # tokens also past their age or idle limit (zhilian/accounts/authentication.py).
        "zhilian.accounts.authentication.TokenAuthentication",
        "zhilian.accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["zhilian.core.api.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "zhilian.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "zhilian.core.api.filters.FilterBackend",
        "zhilian.core.api.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "zhilian.core.api.schema.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "EXCEPTION_HANDLER": "zhilian.core.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zhilian (质链) API",
    "DESCRIPTION": (
        "REST API of the Zhilian NQI collaborative-service platform. Authenticate with "
        "`POST /api/v1/auth/token/` and send `Authorization: Token <token>`. Names are a "
        "stable contract: fields are added, never renamed.\n\n"
        "## Conventions\n\n"
        "- **Authentication.** `POST /api/v1/auth/token/` with `username`, `password` and, for "
        "accounts with two-factor sign-in, the current code as `otp` answers `{\"token\", "
        "\"expires_at\"}`; send `Authorization: Token <token>` with every request. An expired "
        "token answers 401 with `code` `token_expired`: ask for a new one the same way.\n"
        "- **Errors.** A refused body or parameter answers 400 with an object mapping each field "
        "(or query parameter) to a list of messages, e.g. `{\"title\": [\"This field is "
        "required.\"]}`; errors of no one field are under `non_field_errors`; a nested object's "
        "errors are nested, a list's by the index of the row, e.g. `{\"participants\": {\"0\": "
        "{\"phone\": [\"…\"]}}}`. Every error of a body is reported at once, and nothing is "
        "saved. (The token endpoint adds `detail` and `code`; the Table C.1 import answers its "
        "row report.) Other refusals answer `{\"detail\": \"…\"}`, some with a `code` (401, 403, 404 "
        "for a record that does not exist or that the caller may not see, 409 `stale` or "
        "`protected`, 412 `precondition_failed`). Each operation lists the 400, 401, 403 and 404 "
        "it may answer, with the shared components `ValidationError` and `Error`.\n"
        "- **Bodies.** A key that is no field of the body is refused: 400 with `Unknown field.` "
        "under the key (a misspelled field is never lost). Read-only fields (`id`, `version`, "
        "`created_at`, computed values …) are accepted and ignored, so a record read with GET can "
        "be sent back with PUT. Actions that take no body refuse any key.\n"
        "- **Edits.** Send the record's `ETag` as `If-Match` (412 `precondition_failed` when it "
        "changed since, or when `If-Match` is no ETag) or its `version` in the body (409 `stale`, "
        "with `current_version`); GET, PUT and PATCH answer the `ETag`, and so does the `201 "
        "Created` of a new record (the one a GET of it answers; the operations document the "
        "header). A deletion other records depend on answers 409 `protected`, naming them in "
        "`blocking`. Edits and deletions list their 409 (component `Conflict`) and 412.\n"
        "- **Lists.** Paginated lists answer `{\"count\", \"count_capped\", \"next\", \"previous\", "
        "\"results\"}` (`next` / `previous`: the URL of the neighbouring page, or null). A search "
        "(`q`) counts its matches up to 1,000 (the server's `ZHILIAN_SEARCH_COUNT_CAP`): with more, `count` is 1,000, `count_capped` is true "
        "and its pages end there (narrow it with more words or filters; an export holds every "
        "match). `count_capped` is false otherwise. `page` counts from 1; "
        "a page after the last answers 404. `page_size` is 25 by default and at most 500 (a "
        "larger number gives 500 rows). A `page` or `page_size` that is not a whole number from "
        "1 answers 400.\n"
        "- **Ordering.** Lists with an `ordering` parameter sort by the names its description "
        "lists, `-` before a name for descending order, several separated by commas "
        "(`?ordering=-created_at,id`); another name answers 400 naming the allowed ones.\n"
        "- **Filters and search.** Filter parameters refuse values they do not understand (400 "
        "under the parameter; yes / no filters take `true` or `false`); `q` searches in Chinese "
        "(the lists that document it, and `GET /api/v1/search/` across them).\n"
        "- **Language.** Messages, labels and choice names are in Simplified Chinese (`zh-Hans`, "
        "the default) or in English: send `Accept-Language: en` (or `zh-Hans`). The schema "
        "itself follows the same header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    # Swagger UI's default validatorUrl makes the docs page load a badge from validator.swagger.io
    # (sending it the schema's URL) whenever the host is not localhost: no asset from outside (PLT-10).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One stable component name per choice set shared by several fields or colliding by field
    # name: these names are part of the API contract (generated clients use them).
    "ENUM_NAME_OVERRIDES": {
        "NeedCategoryEnum": "zhilian.needs.choices.NeedCategory",
        "SatisfactionEnum": "zhilian.needs.choices.Satisfaction",
        "ProblemCategoryEnum": "zhilian.problems.models.ProblemCategory",
        "SeverityLevelEnum": "zhilian.problems.models.SeverityLevel",
        "BudgetCategoryEnum": "zhilian.projects.choices.BudgetCategory",
        "UsageKindEnum": "zhilian.achievements.choices.UsageKind",
        "PromotionEventKindEnum": "zhilian.achievements.choices.EventKind",
        "ContributionKindEnum": "zhilian.consortia.choices.ContributionKind",
        "ExpertQualificationKindEnum": "zhilian.directory.choices.ExpertQualificationKind",
        "QualificationKindEnum": "zhilian.directory.choices.QualificationKind",
        "OrganizationKindEnum": "zhilian.directory.choices.OrganizationKind",
        "ChangeKindEnum": "zhilian.projects.choices.ChangeKind",
        "TargetKindEnum": "zhilian.projects.choices.TargetKind",
        "RiskKindEnum": "zhilian.projects.choices.RiskKind",
        "ServicePointLevelEnum": "zhilian.directory.choices.ServicePointLevel",
        "RiskLevelEnum": "zhilian.projects.choices.RiskLevel",
    },
}

# Tables and forms render with the vendored Bootstrap.
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-hover table-sm align-middle"}
BOOTSTRAP5 = {
    "css_url": {"url": "/static/vendor/bootstrap/bootstrap.min.css"},
    "javascript_url": {"url": "/static/vendor/bootstrap/bootstrap.bundle.min.js"},
    # Only fields in error are marked (is-invalid); no green "valid" ticks on a refused form.
    "field_renderers": {"default": "zhilian.core.renderers.BootstrapFieldRenderer"},
}

# Content-Security-Policy: no inline script anywhere; every source is this platform.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # pages carry the token themselves (forms, hx-headers)
# The language switch's cookie: no script reads it; Secure under HTTPS like the others.
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "zhilian.core.views.csrf_failure"
HTTPS = env_bool("ZHILIAN_HTTPS", False)
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # __Host- cookies are refused by browsers unless Secure, host-only and path=/.
    SESSION_COOKIE_NAME = "__Host-zhilian-session"
    CSRF_COOKIE_NAME = "__Host-zhilian-csrf"
    SECURE_SSL_REDIRECT = env_bool("ZHILIAN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("ZHILIAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CACHES = {
    "default": {
        "BACKEND": "zhilian.core.cache.RedisCache", "LOCATION": env("REDIS_URL")
    }
    if env("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
if env("REDIS_URL"):
    # Sessions are read from Redis and written to both it and the database: every request
    # reads its session, few write it. Only with a cache all processes share: a process's own
    # memory would go on accepting a session another process ended.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    # Results computed from the database, shared by all processes (core.resultcache).
    CACHES["results"] = {"BACKEND": "zhilian.core.cache.RedisCache", "LOCATION": env("REDIS_URL"),
                         "KEY_PREFIX": "zhilian-results"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refusals": {"()": "zhilian.core.logfilters.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("ZHILIAN_LOG_LEVEL", "INFO")},
    "loggers": {"jieba": {"level": "WARNING"}, "fontTools": {"level": "WARNING"},
                # 403s are expected (and audited): one line each, no traceback.
                "django.request": {"filters": ["refusals"]}},
}

# Platform-specific settings (documented in README "Configuration").
ZHILIAN_SITE_NAME = env("ZHILIAN_SITE_NAME", "质链 Zhilian")
ZHILIAN_REGION_PROVINCE = env("ZHILIAN_REGION_PROVINCE", "福建省")
ZHILIAN_REGION_CITY = env("ZHILIAN_REGION_CITY", "厦门市")
# Results computed from the database kept in each process until a table they read changes
# (core.resultcache): on/off, memory per process, longest life.
ZHILIAN_RESULT_CACHE = env_bool("ZHILIAN_RESULT_CACHE", True)
ZHILIAN_RESULT_CACHE_MB = env_int("ZHILIAN_RESULT_CACHE_MB", 128)
ZHILIAN_RESULT_CACHE_SECONDS = env_int("ZHILIAN_RESULT_CACHE_SECONDS", 600)
# With the shared cache: how long a request waits for the same result another process is computing.
ZHILIAN_RESULT_CACHE_WAIT = env_int("ZHILIAN_RESULT_CACHE_WAIT", 10)
ZHILIAN_REMINDER_INTERVAL_MINUTES = env_int("ZHILIAN_REMINDER_INTERVAL_MINUTES", 15)
