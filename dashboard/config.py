"""Settings from the environment (README.md, Configuration), overridable by a dict in tests."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = REPO_ROOT / "instance"


@dataclass(frozen=True)
class Config:
    trial_database_url: str = f"sqlite:///{INSTANCE_DIR / 'trial.db'}"
    app_database_url: str = f"sqlite:///{INSTANCE_DIR / 'app.db'}"
    secret_key: str | None = None
    cache_redis_url: str | None = None
    cache_dir: str = str(INSTANCE_DIR / "cache")
    data_poll_seconds: float = 30.0
    testing: bool = False
    force_https: bool = False
    trust_proxy: bool = False
    session_cookie_secure: bool = False


ENVIRONMENT = {
    "trial_database_url": "TRIAL_DATABASE_URL",
    "app_database_url": "APP_DATABASE_URL",
    "secret_key": "SECRET_KEY",
    "cache_redis_url": "CACHE_REDIS_URL",
    "cache_dir": "CACHE_DIR",
    "data_poll_seconds": "DATA_POLL_SECONDS",
    "force_https": "FORCE_HTTPS",
    "trust_proxy": "TRUST_PROXY",
    "session_cookie_secure": "SESSION_COOKIE_SECURE",
}
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable."""


def _text(_variable: str, raw: str) -> str:
    return raw


def _flag(variable: str, raw: str) -> bool:
    word = raw.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ConfigError(f"{variable} must be yes or no, got {raw!r}")
    return word in TRUE_WORDS


def _seconds(variable: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{variable} must be a number of seconds, got {raw!r}") from None
    if value <= 0:
        raise ConfigError(f"{variable} must be greater than 0, got {raw!r}")
    return value


PARSERS = {"float": _seconds, "bool": _flag}


def load_config(overrides: dict | None = None) -> Config:
    """Defaults, then environment variables, then ``overrides`` (keys as Config fields)."""
    values = {}
    types = {f.name: f.type for f in fields(Config)}
    for name, variable in ENVIRONMENT.items():
        raw = os.environ.get(variable)
        if raw:
            values[name] = PARSERS.get(types[name], _text)(variable, raw)
    config = replace(Config(), **values)
    return replace(config, **(overrides or {}))
