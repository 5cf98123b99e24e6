"""The one wiring point: builds each function's service from configuration and real adapters.

Each builder imports only the clients its function uses, so a function does not pay, at cold start,
for a client it never calls (the api function imports no Pub/Sub subscriber, costing no Secret Manager).
"""

from __future__ import annotations

import functools
import os
import secrets as pysecrets
from pathlib import Path
from typing import Any

from shared.config import Config, ConfigError, load_config
from shared.ports import SecretStore


@functools.cache
def config() -> Config:
    return load_config()


@functools.cache
def firestore_client() -> Any:
    from google.cloud import firestore

    return firestore.Client(project=config().project_id)


@functools.cache
def publisher() -> Any:
    from shared.adapters.pubsub import PubSubPublisher

    return PubSubPublisher(config().project_id)


@functools.cache
def secret_store() -> SecretStore:
    cfg = config()
    if cfg.secret_backend == "local-file":
        from shared.adapters.local_secrets import LocalSecretStore

        return LocalSecretStore(cfg.local_dir / "secrets")
    from shared.adapters.secret_manager import SecretManagerStore

    return SecretManagerStore(cfg.project_id)


def fingerprint_pepper() -> bytes:
    value = os.environ.get("TM_FINGERPRINT_PEPPER")
    if value:
        return value.encode()
    cfg = config()
    if not cfg.is_local:
        raise ConfigError("TM_FINGERPRINT_PEPPER must be set (from Secret Manager) outside local mode")
    path: Path = cfg.local_dir / "fingerprint-pepper"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pysecrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def anthropic_client(api_key: str, deadline: float | None = None) -> Any:
    import httpx

    from shared.providers.anthropic import AnthropicAdminClient

    cfg = config()
    http = httpx.Client(timeout=httpx.Timeout(cfg.http_timeout_seconds, connect=10.0))
    return AnthropicAdminClient(api_key, base_url=cfg.anthropic_base_url, http=http, deadline=deadline)


def _client_factory(provider: str, api_key: str, deadline: float) -> Any:
    if provider != "anthropic":
        raise ValueError(f"unsupported provider {provider!r}")
    return anthropic_client(api_key, deadline)


def _verify_key(provider: str, api_key: str) -> Any:
    import time

    client = anthropic_client(api_key, deadline=time.monotonic() + 20)
    return client.organization()


@functools.cache
def dispatcher_service() -> Any:
    from shared.adapters.firestore import FirestoreAccountStore
    from shared.services.dispatcher import DispatcherService

    return DispatcherService(FirestoreAccountStore(firestore_client()), publisher(), config().topic_collect_requests)


@functools.cache
def collector_service() -> Any:
    from datetime import timedelta

    from shared.adapters.firestore import FirestoreAccountStore, FirestoreUsageStore
    from shared.services.collector import CollectorService

    cfg = config()
    return CollectorService(
        accounts=FirestoreAccountStore(firestore_client()),
        usage=FirestoreUsageStore(firestore_client()),
        secrets=secret_store(),
        publisher=publisher(),
        client_factory=_client_factory,
        topic_collect_requests=cfg.topic_collect_requests,
        topic_usage_collected=cfg.topic_usage_collected,
        topic_account_events=cfg.topic_account_events,
        sync_interval=timedelta(minutes=cfg.sync_interval_minutes),
        trailing=timedelta(hours=cfg.trailing_hours),
        budget_seconds=cfg.collect_budget_seconds,
        max_failures=cfg.max_sync_failures,
    )


@functools.cache
def costing_service() -> Any:
    from shared.adapters.firestore import FirestoreCostStore
    from shared.pricing import default_catalogue
    from shared.services.costing import CostingService

    return CostingService(FirestoreCostStore(firestore_client()), default_catalogue())


def _token_verifier(cfg: Config) -> Any:
    if cfg.auth_mode == "local":
        from shared.auth import LocalTokenIssuer

        return LocalTokenIssuer(cfg.local_dir, cfg.auth_audience).verifier()
    import httpx

    from shared.auth import firebase_verifier

    url = "https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com"
    jwks = httpx.get(url, timeout=10).text
    return firebase_verifier(cfg.project_id, jwks)


@functools.cache
def api_app() -> Any:
    from shared.adapters.firestore import FirestoreAccountStore, FirestoreCostStore
    from shared.api.app import ApiApp
    from shared.api.openapi import build_openapi
    from shared.services.accounts import AccountService
    from shared.services.usage_query import UsageQueryService

    cfg = config()

    @functools.cache
    def accounts() -> AccountService:
        return AccountService(
            accounts=FirestoreAccountStore(firestore_client()),
            secrets=secret_store(),
            publisher=publisher(),
            verify_key=_verify_key,
            fingerprint_pepper=fingerprint_pepper(),
            history_days=cfg.history_days,
            topic_collect_requests=cfg.topic_collect_requests,
        )

    @functools.cache
    def usage() -> UsageQueryService:
        return UsageQueryService(FirestoreAccountStore(firestore_client()), FirestoreCostStore(firestore_client()))

    return ApiApp(
        verifier=_token_verifier(cfg),
        services={"accounts": accounts, "usage": usage},
        openapi=functools.cache(build_openapi),
        max_body_bytes=cfg.max_body_bytes,
        cors_origin=cfg.cors_origin,
    )
