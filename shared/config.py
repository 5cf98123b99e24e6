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
from shared.domain.accounts import LEASE


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
    lease_seconds: int
    max_sync_failures: int
    http_timeout_seconds: int
    sealing_key_secret: str
    local_dir: Path
    auth_mode: str  # "firebase" or "local"
    auth_audience: str
    auth_jwks_url: str
    cors_origin: str
    max_body_bytes: int
    # Alerts (issue 6): the topics of the evaluator and the alerts, and SMTP for email alerts (an empty
    # host means email channels cannot be created). The SMTP password is secret: bootstrap reads it
    # from TM_SMTP_PASSWORD (Secret Manager in the cloud), so it never sits in this object.
    topic_usage_priced: str = topology.TOPIC_USAGE_PRICED
    topic_alerts: str = topology.TOPIC_ALERTS
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_from: str = ""
    smtp_starttls: bool = True

    @property
    def is_local(self) -> bool:
        return self.mode == "local"

    @property
    def base_urls(self) -> dict[str, str]:
        """Each provider's admin API address (shared.providers names the setting of each)."""
        return {"anthropic": self.anthropic_base_url, "openai": self.openai_base_url}


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
        lease_seconds=_int(e, "TM_LEASE_SECONDS", int(LEASE.total_seconds()), 5, 600),
        max_sync_failures=_int(e, "TM_MAX_SYNC_FAILURES", 5, 1, 100),
        http_timeout_seconds=_int(e, "TM_HTTP_TIMEOUT_SECONDS", 30, 1, 300),
        sealing_key_secret=e.get("TM_SEALING_KEY_SECRET") or "tm-sealing-key",
        local_dir=Path(e.get("TM_LOCAL_DIR") or ".local").resolve(),
        auth_mode=_choice(e, "TM_AUTH_MODE", "local" if mode == "local" else "firebase", ("local", "firebase")),
        auth_audience=e.get("TM_AUTH_AUDIENCE") or project_id,
        auth_jwks_url=_url(
            e,
            "TM_AUTH_JWKS_URL",
            "https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com",
        ),
        cors_origin=e.get("TM_CORS_ORIGIN") or "",
        max_body_bytes=_int(e, "TM_MAX_BODY_BYTES", 16 * 1024, 1024, 1024 * 1024),
        topic_usage_priced=e.get("TM_TOPIC_USAGE_PRICED") or topology.TOPIC_USAGE_PRICED,
        topic_alerts=e.get("TM_TOPIC_ALERTS") or topology.TOPIC_ALERTS,
        smtp_host=e.get("TM_SMTP_HOST") or "",
        smtp_port=_int(e, "TM_SMTP_PORT", 587, 1, 65535),
        smtp_user=e.get("TM_SMTP_USER") or "",
        smtp_from=e.get("TM_SMTP_FROM") or "",
        smtp_starttls=_choice(e, "TM_SMTP_STARTTLS", "true", ("true", "false")) == "true",
    )
