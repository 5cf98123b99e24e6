"""The one wiring point: builds each function's service from configuration and real adapters.

Each builder imports only the clients its function uses, so a function does not pay, at cold start,
for a client it never calls (the api function imports no Pub/Sub subscriber, costing no Secret Manager).
"""

from __future__ import annotations

import functools
import gc
import os
import secrets as pysecrets
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from shared.config import Config, ConfigError, load_config

if TYPE_CHECKING:  # the types only: each builder imports what it builds, when it builds it
    import httpx
    from google.cloud import firestore

    from shared.adapters.firestore import FirestoreAccountStore, FirestoreLedgerStore
    from shared.adapters.firestore_tenancy import FirestoreTenantStore
    from shared.adapters.pubsub import PubSubPublisher
    from shared.adapters.secret_manager import SecretManagerBackend
    from shared.alerts.admin import AlertAdmin
    from shared.alerts.delivery import AlertDelivery
    from shared.alerts.email import SmtpSettings
    from shared.alerts.evaluator import AlertEvaluator
    from shared.alerts.webhooks import TargetPolicy
    from shared.api.app import ApiApp
    from shared.ports import UnitOfWorkFactory
    from shared.providers.base import Organization, ProviderClient
    from shared.security.auth import TokenVerifier
    from shared.security.keyvault import SealedKeyStore
    from shared.security.sealing import Keyring
    from shared.services.collector import CollectorService
    from shared.services.costing import CostingService
    from shared.services.dispatcher import DispatcherService
    from shared.services.explain import ExplainService
    from shared.services.export import ExportService
    from shared.services.insights import InsightsService
    from shared.services.reconciliation import ReconciliationService
    from shared.services.repricing import RepricingService
    from shared.services.retention import RetentionService
    from shared.services.settings import SettingsService
    from shared.services.tenancy import TenancyService


GC_THRESHOLDS = (100_000, 50, 100)
"""The collector's generations, raised from CPython's (700, 10, 10). A summary or an evaluation decodes tens of
thousands of small row objects, and the default first generation ran a collection every 700 of them, each
promoting more to scan again: by-day summaries over a year spent a quarter of their time there and had p95
several times their p50 (``python -m bench.dashboard``). Rows are freed by reference counting, not cycles."""


def start_process() -> None:
    """What every function's process does once, at import: structured logs and the collector's settings."""
    from shared import logs

    logs.configure()
    gc.set_threshold(*GC_THRESHOLDS)


@functools.cache
def config() -> Config:
    return load_config()


@functools.cache
def firestore_client() -> firestore.Client:
    from google.cloud import firestore

    return firestore.Client(project=config().project_id)


@functools.cache
def publisher() -> PubSubPublisher:
    from shared.adapters.pubsub import PubSubPublisher

    return PubSubPublisher(config().project_id)


@functools.cache
def secret_backend() -> SecretManagerBackend:
    from shared.adapters.secret_manager import SecretManagerBackend

    return SecretManagerBackend(config().project_id)


@functools.cache
def secret_store() -> SealedKeyStore:
    """Account keys sealed with AES-256-GCM under the keyring kept in Secret Manager (the local gRPC server
    when TM_SECRET_MANAGER_EMULATOR_HOST is set); see shared.security.keyvault."""
    from shared.security.keyvault import SealedKeyStore, sealing_keyring

    cfg = config()
    return SealedKeyStore(sealing_keyring(secret_backend(), cfg.sealing_key_secret, create=cfg.is_local))


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


def provider_client(provider: str, api_key: str, deadline: float | None = None) -> ProviderClient:
    """A client of ``provider``'s admin API, at the base URL its setting names (the simulator locally)."""
    from shared.providers import provider as plugin

    return plugin(provider).client(api_key, config().base_urls[provider], provider_http(), deadline)


@functools.cache
def provider_http() -> httpx.Client:
    """The process's one HTTP client for provider requests (thread-safe): its connections, TLS set up once,
    serve the next sync, where a client per sync paid a TLS context and a handshake each time (more CPU than
    an hourly sync's parsing). Keys go per request, in headers."""
    return new_provider_http()


def new_provider_http(transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """An HTTP client for provider requests that keeps no cookie: shared by every account of the process, a
    cookie one account's provider set must not reach another's request."""
    import http.cookiejar

    import httpx

    jar = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return httpx.Client(
        timeout=httpx.Timeout(config().http_timeout_seconds, connect=10.0), cookies=jar, transport=transport
    )


def _client_factory(provider: str, api_key: str, deadline: float) -> ProviderClient:
    return provider_client(provider, api_key, deadline)


def _verify_key(provider: str, api_key: str) -> Organization:
    import time

    return provider_client(provider, api_key, deadline=time.monotonic() + 20).organization()


def ledger_units() -> UnitOfWorkFactory:
    """Units of work over one account's ledger (raw days, priced days, month rollups)."""
    from shared.adapters.firestore import FirestoreLedgerUnitOfWork

    db = firestore_client()
    return lambda tenant_id, account_id: FirestoreLedgerUnitOfWork(db, tenant_id, account_id, clock)


def ledger_store() -> FirestoreLedgerStore:
    from shared.adapters.firestore import FirestoreLedgerStore

    return FirestoreLedgerStore(firestore_client())


def account_store() -> FirestoreAccountStore:
    from shared.adapters.firestore import FirestoreAccountStore

    return FirestoreAccountStore(firestore_client())


def clock() -> datetime:
    return datetime.now(UTC)


@functools.cache
def retention_service() -> RetentionService:
    """Deleting history beyond a shrunk window once its grace has passed (shared.services.retention)."""
    from shared.adapters.firestore_tenancy import FirestoreAuditLog, FirestoreUsagePurger
    from shared.services.retention import RetentionService

    db = firestore_client()
    return RetentionService(
        tenant_store(), account_store(), FirestoreUsagePurger(db), ledger_units(), FirestoreAuditLog(db)
    )


@functools.cache
def dispatcher_service() -> DispatcherService:
    from shared.services.dispatcher import DispatcherService

    return DispatcherService(account_store(), publisher(), config().topic_collect_requests)


@functools.cache
def collector_service() -> CollectorService:
    from datetime import timedelta

    from shared.domain.accounts import stale_after
    from shared.services.billing import BilledLedgerCollector
    from shared.services.collector import CollectorService

    cfg = config()
    return CollectorService(
        accounts=account_store(),
        ledger=ledger_units(),
        secrets=secret_store(),
        publisher=publisher(),
        client_factory=_client_factory,
        topic_collect_requests=cfg.topic_collect_requests,
        topic_usage_collected=cfg.topic_usage_collected,
        topic_account_events=cfg.topic_account_events,
        sync_interval=timedelta(minutes=cfg.sync_interval_minutes),
        stale_after=stale_after(timedelta(minutes=cfg.sync_interval_minutes)),
        trailing=timedelta(hours=cfg.trailing_hours),
        budget_seconds=cfg.collect_budget_seconds,
        lease=timedelta(seconds=cfg.lease_seconds),
        max_failures=cfg.max_sync_failures,
        billed=BilledLedgerCollector(),
    )


@functools.cache
def costing_service() -> CostingService:
    from shared.pricing import default_catalogue
    from shared.services.costing import CostingService

    return CostingService(
        ledger_units(),
        default_catalogue(),
        publisher=publisher(),
        topic_usage_priced=config().topic_usage_priced,
        # The tenant's alerts are evaluated here, after pricing, with the rollups just written: the alert
        # evaluator function then serves the sweeps, budget changes and a failed evaluation's retry.
        evaluate=lambda message, months: (
            alert_evaluator().evaluate(message.tenant_id, message.reason, message.days, known=months).raised
        ),
    )


@functools.cache
def repricing_service() -> RepricingService:
    from shared.services.repricing import RepricingService

    return RepricingService(
        accounts=account_store(),
        catalogue_version=costing_service().catalogue.version,
        publisher=publisher(),
        topic_usage_collected=config().topic_usage_collected,
    )


# ---------------------------------------------------------------------------------------------------
# Alerts (shared/alerts)


@functools.cache
def alert_sealer() -> Keyring:
    """Seals webhook signing secrets: the provider keys' sealing keyring, with associated data of its own
    (shared.alerts.delivery.channel_aad), so a sealed channel secret cannot pass for anything else."""
    from shared.security.keyvault import sealing_keyring

    cfg = config()
    return sealing_keyring(secret_backend(), cfg.sealing_key_secret, create=cfg.is_local)


def _tenant_time_zone(tenant_id: str) -> str:
    from shared.adapters.firestore_billing import FirestoreTenantSettingsStore

    return str(FirestoreTenantSettingsStore(firestore_client()).get_settings(tenant_id).time_zone)


@functools.cache
def alert_evaluator() -> AlertEvaluator:
    from datetime import timedelta

    from shared.adapters.firestore_alerts import FirestoreAlertStore, FirestoreBudgetStore, FirestoreChannelStore
    from shared.alerts.evaluator import AlertEvaluator
    from shared.domain.accounts import stale_after

    cfg = config()
    db = firestore_client()
    return AlertEvaluator(
        accounts=account_store(),
        ledger=ledger_store(),
        budgets=FirestoreBudgetStore(db),
        channels=FirestoreChannelStore(db),
        alerts=FirestoreAlertStore(db),
        publisher=publisher(),
        topic_alerts=cfg.topic_alerts,
        topic_evaluations=cfg.topic_usage_priced,
        time_zone_of=_tenant_time_zone,
        stale_after=stale_after(timedelta(minutes=cfg.sync_interval_minutes)),
        advice=lambda tenant_id: insights_service().alerting_advice(tenant_id),
    )


@functools.cache
def insights_service() -> InsightsService:
    """What-if and savings advice (the API's and the alert evaluator's)."""
    from shared.adapters.firestore_billing import FirestoreTenantSettingsStore
    from shared.pricing import default_catalogue
    from shared.services.insights import InsightsService

    return InsightsService(
        account_store(),
        ledger_store(),
        default_catalogue,
        settings=FirestoreTenantSettingsStore(firestore_client()),
    )


def _webhook_policy(cfg: Config) -> TargetPolicy:
    from shared.alerts.webhooks import TargetPolicy

    # Local mode: http and loopback, for a receiver on the developer's machine. Never private ranges.
    return TargetPolicy(allow_http=cfg.is_local, allow_loopback=cfg.is_local)


def _smtp_settings(cfg: Config) -> SmtpSettings:
    from shared.alerts.email import SmtpSettings

    return SmtpSettings(
        host=cfg.smtp_host,
        port=cfg.smtp_port,
        sender=cfg.smtp_from,
        user=cfg.smtp_user,
        password=os.environ.get("TM_SMTP_PASSWORD") or "",
        starttls=cfg.smtp_starttls,
    )


@functools.cache
def alert_delivery(channel_type: str = "webhook") -> AlertDelivery:
    """The delivery service of one subscriber function; its attempts match that function's subscription."""
    from shared import topology
    from shared.adapters.firestore_alerts import FirestoreAlertStore, FirestoreChannelStore
    from shared.alerts.delivery import AlertDelivery, LazySealer
    from shared.alerts.email import EmailSender
    from shared.alerts.webhooks import WebhookSender

    cfg = config()
    db = firestore_client()
    spec = next((f for f in topology.FUNCTIONS if f.name == f"alert_{channel_type}"), None)
    return AlertDelivery(
        channels=FirestoreChannelStore(db),
        alerts=FirestoreAlertStore(db),
        sealer=LazySealer(alert_sealer),
        webhooks=WebhookSender(_webhook_policy(cfg)),
        email=EmailSender(_smtp_settings(cfg)),
        max_attempts=spec.max_delivery_attempts if spec else topology.ALERT_DELIVERY_ATTEMPTS,
    )


@functools.cache
def tenant_store() -> FirestoreTenantStore:
    from shared.adapters.firestore_tenancy import FirestoreTenantStore

    return FirestoreTenantStore(firestore_client())


def _token_verifier(cfg: Config) -> TokenVerifier:
    if cfg.auth_mode == "local":
        from shared.security.auth import LocalTokenIssuer

        return LocalTokenIssuer(cfg.local_dir, cfg.auth_audience).verifier()
    from shared.security.auth import firebase_verifier

    return firebase_verifier(cfg.auth_audience, cfg.auth_jwks_url)


@functools.cache
def api_app() -> ApiApp:
    from shared.api.app import ApiApp, Services
    from shared.api.openapi import build_openapi
    from shared.services.accounts import AccountService
    from shared.services.usage_query import UsageQueryService

    cfg = config()

    @functools.cache
    def accounts() -> AccountService:
        from shared.adapters.firestore_tenancy import FirestoreAuditLog, FirestoreUsagePurger

        return AccountService(
            accounts=account_store(),
            secrets=secret_store(),
            publisher=publisher(),
            verify_key=_verify_key,
            fingerprint_pepper=fingerprint_pepper(),
            history_days=cfg.history_days,
            topic_collect_requests=cfg.topic_collect_requests,
            tenants=tenant_store(),
            audit=FirestoreAuditLog(firestore_client()),
            purger=FirestoreUsagePurger(firestore_client()),
            retention=retention_service(),
        )

    @functools.cache
    def tenancy() -> TenancyService:
        from shared.adapters.firestore_tenancy import FirestoreAuditLog
        from shared.services.tenancy import TenancyService

        return TenancyService(tenant_store(), FirestoreAuditLog(firestore_client()), memberships)

    @functools.cache
    def usage() -> UsageQueryService:
        from shared.adapters.firestore_billing import FirestoreTenantSettingsStore

        return UsageQueryService(
            account_store(),
            ledger_store(),
            tenant_store(),
            settings=FirestoreTenantSettingsStore(firestore_client()),
        )

    @functools.cache
    def reconciliation() -> ReconciliationService:
        from shared.adapters.firestore_billing import FirestoreBilledCostStore
        from shared.services.reconciliation import ReconciliationService

        return ReconciliationService(account_store(), ledger_store(), FirestoreBilledCostStore(firestore_client()))

    @functools.cache
    def explain() -> ExplainService:
        from shared.pricing import default_catalogue
        from shared.services.explain import ExplainService

        return ExplainService(account_store(), ledger_store(), default_catalogue)

    @functools.cache
    def export() -> ExportService:
        from shared.adapters.firestore_billing import FirestoreTenantSettingsStore
        from shared.services.export import ExportService

        return ExportService(
            account_store(), ledger_store(), usage(), settings=FirestoreTenantSettingsStore(firestore_client())
        )

    @functools.cache
    def settings() -> SettingsService:
        from shared.adapters.firestore_billing import FirestoreTenantSettingsStore
        from shared.services.settings import SettingsService

        return SettingsService(FirestoreTenantSettingsStore(firestore_client()))

    @functools.cache
    def alerts() -> AlertAdmin:
        from shared.adapters.firestore_alerts import FirestoreAlertStore, FirestoreBudgetStore, FirestoreChannelStore
        from shared.alerts.admin import AlertAdmin
        from shared.alerts.delivery import LazySealer

        db = firestore_client()
        return AlertAdmin(
            budgets=FirestoreBudgetStore(db),
            channels=FirestoreChannelStore(db),
            alerts=FirestoreAlertStore(db),
            accounts=account_store(),
            sealer=LazySealer(alert_sealer),
            targets=_webhook_policy(cfg),
            delivery=alert_delivery,
            publisher=publisher(),
            topic_evaluations=cfg.topic_usage_priced,
            email_configured=_smtp_settings(cfg).configured,
        )

    @functools.cache
    def insights() -> InsightsService:
        from dataclasses import replace

        return replace(insights_service(), plan_window=usage().check_plan_window)

    from shared.security.auth import MembershipCache

    def member_role(tenant_id: str, user_id: str) -> str | None:
        member = tenant_store().get_member(tenant_id, user_id)
        return member.role if member else None

    memberships = MembershipCache(member_role)

    return ApiApp(
        verifier=_token_verifier(cfg),
        memberships=memberships,
        services=Services(
            accounts=accounts,
            tenancy=tenancy,
            usage=usage,
            reconciliation=reconciliation,
            explain=explain,
            settings=settings,
            alerts=alerts,
            export=export,
            insights=insights,
        ),
        openapi=functools.cache(build_openapi),
        max_body_bytes=cfg.max_body_bytes,
        cors_origin=cfg.cors_origin,
    )
