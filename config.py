"""Configuration, read only from environment variables.

`APP_ENV` picks the class: "development", "test" or "production" (the default, so
that a forgotten variable fails safe rather than running with development secrets).
Every setting is listed in README.md with its default.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlsplit

from flask.helpers import get_debug_flag

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# Known to everyone who reads this file, so production refuses it.
DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"  # noqa: S105
MIN_SECRET_KEY_BYTES = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# The range of each number, (lowest, highest or None). Zero or less would switch a
# protection off (a limit, a window) or end every session at once. The highest values keep
# each setting to what it is for (and times within what a date can hold). The requests
# allowed per address or per officer have none: a large number only lifts that limit (as
# bench/run.py does), and many staff can share one address.
INT_RANGES: dict[str, tuple[int, int | None]] = {
    "SQLITE_BUSY_TIMEOUT_MS": (0, 10 * 60 * 1000),  # ten minutes: more than any page waits
    "MAX_CONTENT_LENGTH": (1, 64 * 1024 * 1024),  # the largest upload, the HR file, is 5 MB
    "SESSION_IDLE_MINUTES": (1, 24 * 60),
    "SESSION_ABSOLUTE_HOURS": (1, 7 * 24),
    "PROXY_FIX_COUNT": (0, 5),  # each hop trusted more than there are lets clients lie
    "ARGON2_TIME_COST": (1, 20),  # every sign-in pays it
    "ARGON2_MEMORY_KIB": (8, 1024 * 1024),  # and 8 for each lane (ARGON2_PARALLELISM)
    "ARGON2_PARALLELISM": (1, 64),
    "LOCKOUT_THRESHOLD": (1, 100),
    "LOCKOUT_MINUTES": (1, 24 * 60),
    "SIGN_IN_FAILURES_PER_ADDRESS": (1, None),
    "RESET_REQUESTS_PER_ACCOUNT": (1, 100),
    "RESET_REQUESTS_PER_ADDRESS": (1, None),
    "RATE_LIMIT_WINDOW_MINUTES": (1, 24 * 60),
    "INVITATION_VALID_DAYS": (1, 90),
    "PASSWORD_RESET_VALID_MINUTES": (1, 24 * 60),
    "MAIL_PORT": (1, 65535),
    "MAIL_TIMEOUT_SECONDS": (1, 300),
    "RENEWAL_WINDOW_DAYS": (0, 365),
    "VERIFY_REQUESTS_PER_ADDRESS": (1, None),
    "EXPORTS_PER_USER_PER_HOUR": (1, None),
    "HR_UPLOAD_KEEP_HOURS": (1, 24 * 30),
}

# The words a yes-or-no setting may be (in any case). Anything else is refused: a typo such
# as MAIL_USE_STARTTLS=ture must not quietly mean "off".
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")

# Settings that could not be read, for validate() to report: a ConfigError raised while
# this module is imported would reach the operator as a traceback, not as one line.
_UNREADABLE: list[str] = []


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        _UNREADABLE.append(
            f"{name} must be one of {', '.join(TRUE_WORDS + FALSE_WORDS)} (in any case), "
            f"not {value!r}."
        )
        return default
    return word in TRUE_WORDS


def _out_of_range(name: str, value: int) -> str | None:
    """The refusal for a number outside INT_RANGES, or None."""
    lowest, highest = INT_RANGES[name]
    if value >= lowest and (highest is None or value <= highest):
        return None
    allowed = f"from {lowest} to {highest}" if highest is not None else f"{lowest} or more"
    return f"{name} must be {allowed}, not {value}."


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        _UNREADABLE.append(f"{name} must be a whole number, not {value!r}.")
        return default
    # Checked here, not only in validate(): some are made into timedeltas as this module
    # is imported, and one too large would end in a traceback instead of one line.
    problem = _out_of_range(name, number)
    if problem:
        _UNREADABLE.append(problem)
        return default
    return number


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    items = [item.strip() for item in value.split(",") if item.strip()]
    if not items:
        # An empty TRUSTED_HOSTS would let Flask accept any Host: never read it that way.
        _UNREADABLE.append(f"{name} must list at least one name, not {value!r}.")
        return default
    return items


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _host_of(url: str) -> str | None:
    try:
        return urlsplit(url).hostname
    except ValueError:  # such as "http://[" (an unfinished IPv6 address)
        return None


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message is one line meant for an operator."""


class Config:
    APP_ENV = "production"
    DEBUG = False
    TESTING = False

    ORG_NAME = os.environ.get("ORG_NAME", "West Lothian Council")
    SERVICE_NAME = "Online conduct training"
    SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "learning@example.org")
    PRIVACY_EMAIL = os.environ.get("PRIVACY_EMAIL", "dataprotection@example.org")
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", _sqlite_url(INSTANCE_DIR / "conduct-training.sqlite")
    )
    # hide_parameters: a failed statement's message (logged, in tracebacks) leaves out the
    # values it was sent, which can be password hashes and session tokens.
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True, "hide_parameters": True}
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 5000)

    # Uploads (the HR file, up to 5 MB: its reader says so when it is larger) are small.
    # A request past 6 MB (the file, a little over, and the form around it) gets a 413.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 6 * 1024 * 1024)

    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 30)
    SESSION_ABSOLUTE_HOURS = _env_int("SESSION_ABSOLUTE_HOURS", 12)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SESSION_ABSOLUTE_HOURS)
    # Write the cookie only when the session changes (sign-in, a flash, the idle timer's
    # minute tick), not on every response: the timeouts are enforced on the server from
    # the times inside the session, so re-sending an unchanged cookie adds nothing.
    SESSION_REFRESH_EACH_REQUEST = False

    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; see README

    # Requests for any other Host are refused (400). Default: the host of BASE_URL.
    TRUSTED_HOSTS: ClassVar[list[str]] = _env_list(
        "TRUSTED_HOSTS", [_host_of(BASE_URL) or "localhost"]
    )
    PROXY_FIX_COUNT = _env_int("PROXY_FIX_COUNT", 0)

    # argon2id cost; the defaults are argon2-cffi's (RFC 9106 low-memory profile).
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_KIB = _env_int("ARGON2_MEMORY_KIB", 65536)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 4)

    # Brute-force protection (README: "Sign-in and passwords").
    LOCKOUT_THRESHOLD = _env_int("LOCKOUT_THRESHOLD", 10)
    LOCKOUT_MINUTES = _env_int("LOCKOUT_MINUTES", 15)
    SIGN_IN_FAILURES_PER_ADDRESS = _env_int("SIGN_IN_FAILURES_PER_ADDRESS", 50)
    RESET_REQUESTS_PER_ACCOUNT = _env_int("RESET_REQUESTS_PER_ACCOUNT", 3)
    RESET_REQUESTS_PER_ADDRESS = _env_int("RESET_REQUESTS_PER_ADDRESS", 20)
    RATE_LIMIT_WINDOW_MINUTES = _env_int("RATE_LIMIT_WINDOW_MINUTES", 15)

    INVITATION_VALID_DAYS = _env_int("INVITATION_VALID_DAYS", 7)
    PASSWORD_RESET_VALID_MINUTES = _env_int("PASSWORD_RESET_VALID_MINUTES", 60)

    # E-mail. Without MAIL_SERVER, messages are written to the log (development only).
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_STARTTLS = _env_bool("MAIL_USE_STARTTLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Online conduct training <no-reply@example.org>")
    MAIL_TIMEOUT_SECONDS = _env_int("MAIL_TIMEOUT_SECONDS", 10)

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    # Certification: the renewal window opens this many days before a certificate expires.
    RENEWAL_WINDOW_DAYS = _env_int("RENEWAL_WINDOW_DAYS", 60)
    # Public certificate checks allowed per address per RATE_LIMIT_WINDOW_MINUTES.
    VERIFY_REQUESTS_PER_ADDRESS = _env_int("VERIFY_REQUESTS_PER_ADDRESS", 60)
    # Exports (compliance list, matrix) one officer may download in an hour.
    EXPORTS_PER_USER_PER_HOUR = _env_int("EXPORTS_PER_USER_PER_HOUR", 30)
    HR_UPLOAD_KEEP_HOURS = _env_int("HR_UPLOAD_KEEP_HOURS", 72)

    # Lesson content, loaded and validated once at start-up.
    CONTENT_DIR = os.environ.get("CONTENT_DIR", str(BASE_DIR / "content"))

    @classmethod
    def validate(cls, app_config: dict) -> None:
        """Refuse to start with an unsafe setting. Raises ConfigError."""
        if _UNREADABLE:
            raise ConfigError(_UNREADABLE[0])
        for name in INT_RANGES:
            value = app_config.get(name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{name} must be a whole number, not {value!r}.")
            problem = _out_of_range(name, value)
            if problem:
                raise ConfigError(problem)
        # argon2 needs 8 KiB of memory for each lane.
        lanes = app_config["ARGON2_PARALLELISM"]
        if app_config["ARGON2_MEMORY_KIB"] < 8 * lanes:
            raise ConfigError(
                f"ARGON2_MEMORY_KIB must be at least 8 × ARGON2_PARALLELISM ({8 * lanes}), "
                f"not {app_config['ARGON2_MEMORY_KIB']}."
            )
        level = app_config.get("LOG_LEVEL")
        if not isinstance(level, str) or level.strip().upper() not in LOG_LEVELS:
            raise ConfigError(
                f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (in any case), not {level!r}."
            )
        # STARTTLS inside an SSL connection fails, so no e-mail could ever be sent.
        if app_config.get("MAIL_USE_SSL") and app_config.get("MAIL_USE_STARTTLS"):
            raise ConfigError(
                "MAIL_USE_SSL and MAIL_USE_STARTTLS are both on: set one, SSL for a server "
                "that starts with TLS (port 465), STARTTLS for one that upgrades (port 587)."
            )


class DevelopmentConfig(Config):
    APP_ENV = "development"
    DEBUG = get_debug_flag()  # as the flask command reads it, so that the two agree
    SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_SECURE = False
    TRUSTED_HOSTS: ClassVar[list[str]] = _env_list("TRUSTED_HOSTS", ["127.0.0.1", "localhost"])


class TestConfig(Config):
    APP_ENV = "test"
    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-long-enough-000000"  # noqa: S105
    SESSION_COOKIE_NAME = "session"
    SESSION_COOKIE_SECURE = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    BASE_URL = "http://localhost"
    TRUSTED_HOSTS: ClassVar[list[str]] = ["localhost", "127.0.0.1"]
    MAIL_SERVER = ""
    # A small, stable module, so that tests do not change whenever the lessons are edited;
    # tests about the real content point CONTENT_DIR at content/.
    CONTENT_DIR = str(BASE_DIR / "tests" / "fixtures" / "content")
    # Cheap hashing keeps the suite fast; production's cost is checked in tests/unit.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
    ARGON2_PARALLELISM = 1


class ProductionConfig(Config):
    APP_ENV = "production"

    @classmethod
    def validate(cls, app_config: dict) -> None:
        # Read as Flask reads it (anything but "", "0", "false" or "no" is on): the flask
        # command turns debug on from it after this check, whatever our own reading.
        if app_config.get("DEBUG") or get_debug_flag():
            raise ConfigError("Debug mode is on: production must never run with FLASK_DEBUG.")
        super().validate(app_config)
        key = app_config.get("SECRET_KEY")
        if not key:
            raise ConfigError(
                "SECRET_KEY is not set: set it to a random value of at least 32 bytes."
            )
        if key == DEVELOPMENT_SECRET_KEY:
            raise ConfigError(
                "SECRET_KEY is the development value: set a random production secret."
            )
        if len(key.encode("utf-8")) < MIN_SECRET_KEY_BYTES:
            raise ConfigError(
                f"SECRET_KEY is too short: it must be at least {MIN_SECRET_KEY_BYTES} bytes."
            )
        # Links in e-mails and QR codes are built on it, and must work on their own:
        # "training.example.org" without its scheme is not a web address.
        base_url = app_config.get("BASE_URL") or ""
        if not _host_of(base_url) or urlsplit(base_url).scheme not in {"http", "https"}:
            raise ConfigError(
                "BASE_URL must be the service's full address, such as "
                f"https://training.example.org, not {base_url!r}."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_for(env_name: str | None = None) -> type[Config]:
    name = (env_name or os.environ.get("APP_ENV") or "production").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError as exc:
        raise ConfigError(
            f"APP_ENV must be one of {', '.join(sorted(CONFIGS))}, not {name!r}."
        ) from exc
