"""Configuration: read from the environment in one place, validated at start, failing fast.

Every setting has a default suitable for the local stack; the deployed functions get theirs from
Terraform. A bad value fails with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shared import topology


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name) or default
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = (env.get(name) or default).rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting of TokenMeter. See README for what each one does."""

    project_id: str
    mode: str  # "local" or "cloud"
    anthropic_base_url: str
    openai_base_url: str
    topic_collect_requests: str
    topic_usage_collected: str
    topic_account_events: str
    sync_interval_minutes: int
    trailing_hours: int
    history_days: int
    collect_budget_seconds: int
    max_sync_failures: int
    http_timeout_seconds: int
    secret_backend: str  # "secret-manager" or "local-file"
    local_dir: Path
    auth_mode: str  # "firebase" or "local"
    auth_audience: str
    cors_origin: str
    max_body_bytes: int

    @property
    def is_local(self) -> bool:
        return self.mode == "local"


def load_config(env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the configuration from the environment."""
    e = os.environ if env is None else env
    project_id = e.get("GOOGLE_CLOUD_PROJECT") or e.get("TM_PROJECT_ID") or "tokenmeter-local"
    mode = _choice(e, "TM_MODE", "local", ("local", "cloud"))
    return Config(
        project_id=project_id,
        mode=mode,
        anthropic_base_url=_url(e, "ANTHROPIC_API_BASE_URL", "https://api.anthropic.com"),
        openai_base_url=_url(e, "OPENAI_API_BASE_URL", "https://api.openai.com"),
        topic_collect_requests=e.get("TM_TOPIC_COLLECT_REQUESTS") or topology.TOPIC_COLLECT_REQUESTS,
        topic_usage_collected=e.get("TM_TOPIC_USAGE_COLLECTED") or topology.TOPIC_USAGE_COLLECTED,
        topic_account_events=e.get("TM_TOPIC_ACCOUNT_EVENTS") or topology.TOPIC_ACCOUNT_EVENTS,
        sync_interval_minutes=_int(e, "TM_SYNC_INTERVAL_MINUTES", 60, 1, 24 * 60),
        trailing_hours=_int(e, "TM_TRAILING_HOURS", 48, 48, 24 * 14),
        history_days=_int(e, "TM_HISTORY_DAYS", 30, 1, 400),
        collect_budget_seconds=_int(e, "TM_COLLECT_BUDGET_SECONDS", 480, 5, 3600),
        max_sync_failures=_int(e, "TM_MAX_SYNC_FAILURES", 5, 1, 100),
        http_timeout_seconds=_int(e, "TM_HTTP_TIMEOUT_SECONDS", 30, 1, 300),
        secret_backend=_choice(
            e,
            "TM_SECRET_BACKEND",
            "local-file" if mode == "local" else "secret-manager",
            ("local-file", "secret-manager"),
        ),
        local_dir=Path(e.get("TM_LOCAL_DIR") or ".local").resolve(),
        auth_mode=_choice(e, "TM_AUTH_MODE", "local" if mode == "local" else "firebase", ("local", "firebase")),
        auth_audience=e.get("TM_AUTH_AUDIENCE") or project_id,
        cors_origin=e.get("TM_CORS_ORIGIN") or "",
        max_body_bytes=_int(e, "TM_MAX_BODY_BYTES", 16 * 1024, 1024, 1024 * 1024),
    )
