"""Production refuses unsafe settings, as an operator starting the app would see it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 40


def start_production(env_changes: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "FLASK_DEBUG"}}
    env.update({"APP_ENV": "production", "DATABASE_URL": "sqlite://"})
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-c", "from app import create_app; create_app(); print('started')"],
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
