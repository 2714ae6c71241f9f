"""Production refuses unsafe settings, as an operator starting the app would see it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 40


def start_production(
    env_changes: dict[str, str | None],
    code: str = "from app import create_app; create_app(); print('started')",
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "FLASK_DEBUG"}}
    env.update({"APP_ENV": "production", "DATABASE_URL": "sqlite://"})
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "short-key"}, "SECRET_KEY is too short"),
        (
            {"SECRET_KEY": "development-only-secret-key-do-not-use-in-production"},
            "SECRET_KEY is the development value",
        ),
        ({"SECRET_KEY": STRONG_KEY, "FLASK_DEBUG": "1"}, "Debug mode is on"),
    ],
)
def test_production_refuses_unsafe_settings_with_one_line(changes, reason):
    result = start_production(changes)
    assert result.returncode != 0
    assert "started" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Refusing to start: ")
    assert reason in lines[0]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"SESSION_IDLE_MINUTES": "abc"}, "SESSION_IDLE_MINUTES must be a whole number, not 'abc'"),
        ({"APP_ENV": "staging"}, "APP_ENV must be one of development, production, test"),
        ({"LOG_LEVEL": "verbose"}, "LOG_LEVEL must be one of DEBUG, INFO"),
        ({"RATE_LIMIT_WINDOW_MINUTES": "-15"}, "RATE_LIMIT_WINDOW_MINUTES must be from 1 to 1440"),
        ({"MAX_CONTENT_LENGTH": "0"}, "MAX_CONTENT_LENGTH must be from 1 to 67108864"),
        ({"SESSION_IDLE_MINUTES": "0"}, "SESSION_IDLE_MINUTES must be from 1 to 1440"),
        ({"SESSION_ABSOLUTE_HOURS": "-1"}, "SESSION_ABSOLUTE_HOURS must be from 1 to 168"),
        ({"VERIFY_REQUESTS_PER_ADDRESS": "0"}, "VERIFY_REQUESTS_PER_ADDRESS must be 1 or more"),
        ({"EXPORTS_PER_USER_PER_HOUR": "-1"}, "EXPORTS_PER_USER_PER_HOUR must be 1 or more"),
        ({"PROXY_FIX_COUNT": "-1"}, "PROXY_FIX_COUNT must be from 0 to 5"),
        ({"HR_UPLOAD_KEEP_HOURS": "0"}, "HR_UPLOAD_KEEP_HOURS must be from 1 to 720"),
        ({"LOCKOUT_THRESHOLD": "0"}, "LOCKOUT_THRESHOLD must be from 1 to 100"),
        ({"MAIL_PORT": "70000"}, "MAIL_PORT must be from 1 to 65535"),
        ({"ARGON2_TIME_COST": "0"}, "ARGON2_TIME_COST must be from 1 to 20"),
        ({"ARGON2_PARALLELISM": "0"}, "ARGON2_PARALLELISM must be from 1 to 64"),
        ({"ARGON2_MEMORY_KIB": "16"}, "ARGON2_MEMORY_KIB must be at least 8 × ARGON2_PARALLELISM"),
        ({"BASE_URL": "training.example.org"}, "BASE_URL must be the service's full address"),
        ({"BASE_URL": "https://"}, "BASE_URL must be the service's full address"),
        # Too large to use: each would start, then fail (a 500, or a traceback at import).
        (
            {"SESSION_ABSOLUTE_HOURS": "999999999999"},
            "SESSION_ABSOLUTE_HOURS must be from 1 to 168",
        ),
        (
            {"SESSION_ABSOLUTE_HOURS": "169"},
            "SESSION_ABSOLUTE_HOURS must be from 1 to 168, not 169",
        ),
        ({"INVITATION_VALID_DAYS": "3000000"}, "INVITATION_VALID_DAYS must be from 1 to 90"),
        ({"INVITATION_VALID_DAYS": "91"}, "INVITATION_VALID_DAYS must be from 1 to 90, not 91"),
        ({"LOCKOUT_MINUTES": "9999999999"}, "LOCKOUT_MINUTES must be from 1 to 1440"),
        (
            {"PASSWORD_RESET_VALID_MINUTES": "1441"},
            "PASSWORD_RESET_VALID_MINUTES must be from 1 to 1440, not 1441",
        ),
        ({"RATE_LIMIT_WINDOW_MINUTES": "99999999999"}, "RATE_LIMIT_WINDOW_MINUTES must be from 1"),
        ({"RENEWAL_WINDOW_DAYS": "3000000"}, "RENEWAL_WINDOW_DAYS must be from 0 to 365"),
        ({"MAIL_TIMEOUT_SECONDS": "99999999999"}, "MAIL_TIMEOUT_SECONDS must be from 1 to 300"),
        ({"SQLITE_BUSY_TIMEOUT_MS": "99999999999"}, "SQLITE_BUSY_TIMEOUT_MS must be from 0"),
        # Yes-or-no settings: a word that is neither is not quietly "off".
        (
            {"MAIL_USE_STARTTLS": "ture"},
            "MAIL_USE_STARTTLS must be one of 1, true, yes, on, 0, false, no, off (in any case), "
            "not 'ture'",
        ),
        ({"MAIL_USE_SSL": "enabled"}, "MAIL_USE_SSL must be one of 1, true, yes, on, 0, false"),
        (
            {"MAIL_USE_SSL": "1", "MAIL_USE_STARTTLS": "yes"},
            "MAIL_USE_SSL and MAIL_USE_STARTTLS are both on",
        ),
        # Commas or spaces alone would leave no host to check, and Flask would accept any.
        ({"TRUSTED_HOSTS": ","}, "TRUSTED_HOSTS must list at least one name, not ','"),
        ({"TRUSTED_HOSTS": " , , "}, "TRUSTED_HOSTS must list at least one name"),
    ],
)
def test_bad_settings_are_refused_with_one_line_naming_them(changes, reason):
    result = start_production({"SECRET_KEY": STRONG_KEY, **changes})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Refusing to start: ")
    assert reason in lines[0]


LOAD_LIKE_FLASK_CLI = (
    "from flask.cli import ScriptInfo; "
    "app = ScriptInfo(app_import_path='app:create_app').load_app(); "
    "print('started', 'debug' if app.debug else 'no-debug')"
)


@pytest.mark.parametrize("value", ["1", "y", "2", "enabled", "off", "n", "False ", "debug"])
def test_production_refuses_any_flask_debug_value_that_flask_treats_as_on(value):
    # The flask command turns debug on after create_app() from Flask's own reading of
    # FLASK_DEBUG (anything but "", "0", "false", "no"), and `flask run` would then serve
    # the interactive debugger.
    result = start_production({"SECRET_KEY": STRONG_KEY, "FLASK_DEBUG": value}, LOAD_LIKE_FLASK_CLI)
    assert result.returncode != 0
    assert "started" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "Refusing to start: Debug mode is on: production must never run with FLASK_DEBUG."
    ]


@pytest.mark.parametrize("value", ["", "0", "false", "no", "FALSE"])
def test_production_starts_with_flask_debug_off(value):
    result = start_production({"SECRET_KEY": STRONG_KEY, "FLASK_DEBUG": value}, LOAD_LIKE_FLASK_CLI)
    assert result.returncode == 0, result.stderr
    assert "started no-debug" in result.stdout


@pytest.mark.parametrize(
    ("changes", "read"),
    [
        ({"MAIL_USE_SSL": " Yes ", "MAIL_USE_STARTTLS": "OFF"}, "True False"),
        ({"MAIL_USE_SSL": "0", "MAIL_USE_STARTTLS": "On"}, "False True"),
        ({"MAIL_USE_SSL": "", "MAIL_USE_STARTTLS": None}, "False False"),
    ],
)
def test_yes_or_no_settings_read_the_known_words_in_any_case(changes, read):
    result = start_production(
        {"SECRET_KEY": STRONG_KEY, "MAIL_SERVER": "smtp.example.org", **changes},
        "from app import create_app; c = create_app().config; "
        "print(c['MAIL_USE_SSL'], c['MAIL_USE_STARTTLS'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == read


def test_the_largest_numbers_allowed_start():
    result = start_production(
        {
            "SECRET_KEY": STRONG_KEY,
            "INVITATION_VALID_DAYS": "90",
            "LOCKOUT_MINUTES": "1440",
            "PASSWORD_RESET_VALID_MINUTES": "1440",
            "SESSION_ABSOLUTE_HOURS": "168",
            "SESSION_IDLE_MINUTES": "1440",
            "RATE_LIMIT_WINDOW_MINUTES": "1440",
            "RENEWAL_WINDOW_DAYS": "365",
            "VERIFY_REQUESTS_PER_ADDRESS": "1000000000",  # as bench/run.py lifts it
            "EXPORTS_PER_USER_PER_HOUR": "1000000000",
        },
        "from app import create_app; print(create_app().permanent_session_lifetime)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "7 days, 0:00:00"


def test_every_default_is_within_its_range():
    from config import INT_RANGES, Config, DevelopmentConfig, ProductionConfig, TestConfig

    for config in (DevelopmentConfig, ProductionConfig, TestConfig):
        # Config's checks (production's own want a SECRET_KEY, which has no default).
        Config.validate({name: getattr(config, name) for name in dir(config) if name.isupper()})
    assert set(INT_RANGES) <= set(dir(ProductionConfig))


def test_settings_are_checked_in_every_environment():
    from app import create_app

    with pytest.raises(
        SystemExit, match="RATE_LIMIT_WINDOW_MINUTES must be from 1 to 1440, not -15"
    ):
        create_app(
            "test", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATE_LIMIT_WINDOW_MINUTES": -15}
        )


@pytest.mark.parametrize("level", ["info", "Warning", "DEBUG"])
def test_log_level_is_read_in_any_case(level):
    result = start_production({"SECRET_KEY": STRONG_KEY, "LOG_LEVEL": level})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_password_hashing_cost_is_read_from_the_environment():
    result = start_production(
        {
            "SECRET_KEY": STRONG_KEY,
            "ARGON2_TIME_COST": "2",
            "ARGON2_MEMORY_KIB": "16384",
            "ARGON2_PARALLELISM": "2",
        },
        code=(
            "from app import create_app; from app.auth.passwords import hash_password\n"
            "with create_app().app_context(): print(hash_password('x' * 12))"
        ),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("$argon2id$v=19$m=16384,t=2,p=2$")


def test_production_starts_with_a_strong_key():
    result = start_production({"SECRET_KEY": STRONG_KEY})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_unknown_app_env_is_refused():
    from config import ConfigError, config_for

    with pytest.raises(ConfigError, match="APP_ENV must be one of"):
        config_for("staging")


def test_environment_defaults_to_production():
    from config import ProductionConfig, config_for

    saved = os.environ.pop("APP_ENV", None)
    try:
        assert config_for() is ProductionConfig
    finally:
        if saved is not None:
            os.environ["APP_ENV"] = saved


def test_production_session_cookie_is_secure_and_host_prefixed():
    from config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_NAME.startswith("__Host-")
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_HTTPONLY is True
    assert ProductionConfig.SESSION_COOKIE_SAMESITE == "Lax"
    assert ProductionConfig.DEBUG is False


def test_trusted_hosts_default_to_the_host_of_base_url():
    env = {k: v for k, v in os.environ.items() if k != "TRUSTED_HOSTS"}
    env.update(
        {
            "APP_ENV": "production",
            "SECRET_KEY": STRONG_KEY,
            "BASE_URL": "https://training.example.org",
        }
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from app import create_app; print(create_app().config['TRUSTED_HOSTS'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "['training.example.org']", result.stderr


@pytest.mark.parametrize(("proxies", "warned"), [(None, True), ("1", False)])
def test_production_behind_https_warns_when_the_proxy_is_not_trusted(proxies, warned):
    result = start_production(
        {
            "SECRET_KEY": STRONG_KEY,
            "BASE_URL": "https://training.example.org",
            "PROXY_FIX_COUNT": proxies,
        }
    )
    assert result.returncode == 0, result.stderr
    assert ("PROXY_FIX_COUNT is 0" in result.stderr) is warned
