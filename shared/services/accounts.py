"""Connecting, rotating, syncing and disconnecting provider accounts; every step audited."""

from __future__ import annotations

import logging
import secrets as pysecrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared.domain.accounts import (
    STATUS_CONNECTED,
    STATUS_DISCONNECTED,
    STATUS_SYNCING,
    Account,
    key_fingerprint,
)
from shared.domain.tenancy import PLANS, AuditEntry
from shared.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    TokenMeterError,
    UpstreamRejectedKey,
    UpstreamUnavailable,
)
from shared.messages import CollectRequest
from shared.ports import AccountStore, AuditLog, Publisher, SecretStore, TenantStore, UsagePurger
from shared.pricing import catalogue_version
from shared.providers import PROVIDERS, Provider
from shared.providers.base import KeyShapeError, Organization
from shared.providers.errors import InvalidKey, NotAdminKey, ProviderError
from shared.services.retention import RetentionService

log = logging.getLogger(__name__)

KeyVerifier = Callable[[str, str], Organization]
"""(provider, api_key) -> the organization the key administers; raises ProviderError."""


def check_key_shape(provider: Provider, api_key: str) -> None:
    """Refuse keys that cannot be right before calling anyone, with a message saying what to do."""
    try:
        provider.check_key(api_key)
    except KeyShapeError as exc:
        if exc.code == "invalid_input" or exc.code == "wrong_provider":
            raise InvalidInput(exc.message, field="api_key") from None
        raise UpstreamRejectedKey(exc.message, field="api_key", code=exc.code) from None


def history_start_for(now: datetime, days: int) -> datetime:
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day_start - timedelta(days=days)


@dataclass
class AccountService:
    accounts: AccountStore
    secrets: SecretStore
    publisher: Publisher
    verify_key: KeyVerifier
    fingerprint_pepper: bytes
    history_days: int
    topic_collect_requests: str
    tenants: TenantStore | None = None
    audit: AuditLog | None = None
    purger: UsagePurger | None = None
    retention: RetentionService | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    # -- connect --------------------------------------------------------------------------------

    def connect(self, tenant_id: str, provider: str, name: str, api_key: str, actor: str = "system") -> Account:
        """Verify the key live, store it in the secret store, and start importing the plan's history."""
        if provider not in PROVIDERS:
            raise InvalidInput(f"provider must be one of: {', '.join(PROVIDERS)} (got {provider!r})", field="provider")
        plugin = PROVIDERS[provider]
        api_key = api_key.strip()
        try:
            check_key_shape(plugin, api_key)
            fingerprint = key_fingerprint(api_key, self.fingerprint_pepper)
            existing = [a for a in self.accounts.list(tenant_id) if a.active]
            for other in existing:
                if other.key_fingerprint == fingerprint:
                    raise Conflict(
                        f"this key is already connected as account {other.id} ({other.name})", field="api_key"
                    )
            org = self._verify(provider, api_key)
            for other in existing:
                if other.provider == provider and other.organization_id == org.id:
                    raise Conflict(
                        f"organization {org.name} ({org.id}) is already connected as account {other.id}; "
                        "connecting it twice would count its usage twice",
                        field="api_key",
                    )
        except TokenMeterError as exc:
            self._audit(tenant_id, actor, "connect_failed", None, "failed", {"code": exc.code, "reason": exc.message})
            raise

        now = self.clock()
        days = self._history_days(tenant_id)
        account_id = "acc_" + pysecrets.token_hex(8)
        ref = self.secrets.put(tenant_id, account_id, api_key)
        account = Account(
            tenant_id=tenant_id,
            id=account_id,
            provider=provider,
            name=name,
            status=STATUS_SYNCING,
            status_reason="importing history",
            created_at=now,
            history_start=history_start_for(now, days),
            history_days=days,
            secret_ref=ref,
            key_hint=plugin.key_hint(api_key),
            key_fingerprint=fingerprint,
            key_created_at=now,
            organization_id=org.id,
            organization_name=org.name,
            next_sync_at=now,
            # Nothing is priced yet: what will be is priced with the current catalogue.
            priced_with=catalogue_version(),
        )
        try:
            self.accounts.create(account)
        except Exception:
            self.secrets.delete(tenant_id, account_id, ref)
            raise
        self._audit(
            tenant_id, actor, "connect", account_id, "ok", {"organization_id": org.id, "key_hint": account.key_hint}
        )
        self._request_collect(account, "connect")
        log.info("account connected", extra={"tenant_id": tenant_id, "account_id": account_id, "org_id": org.id})
        return account

    def _history_days(self, tenant_id: str) -> int:
        tenant = self.tenants.get_tenant(tenant_id) if self.tenants else None
        return tenant.history_days if tenant else self.history_days

    def _verify(self, provider: str, api_key: str) -> Organization:
        try:
            return self.verify_key(provider, api_key)
        except InvalidKey as exc:
            raise UpstreamRejectedKey(
                f"{provider} rejected this key: it is invalid, revoked or expired ({exc.message})",
                field="api_key",
                code="key_rejected",
            ) from None
        except NotAdminKey as exc:
            raise UpstreamRejectedKey(exc.message, field="api_key", code="not_admin_key") from None
        except ProviderError as exc:
            raise UpstreamUnavailable(
                f"could not verify the key: {provider} is not answering ({exc.message}). Nothing was stored; "
                "try again in a few minutes"
            ) from None

    # -- rotate ---------------------------------------------------------------------------------

    def rotate(self, tenant_id: str, account_id: str, api_key: str, actor: str = "system") -> Account:
        """Replace the account's key with a new one of the same organization; history is kept."""
        account = self.get(tenant_id, account_id)
        api_key = api_key.strip()
        try:
            if not account.active:
                raise Conflict(
                    f"account {account_id} is disconnected; connect the key as a new account", field="account_id"
                )
            check_key_shape(PROVIDERS[account.provider], api_key)
            fingerprint = key_fingerprint(api_key, self.fingerprint_pepper)
            if fingerprint == account.key_fingerprint:
                raise Conflict("this is the key already connected; create a new Admin key to rotate", field="api_key")
            org = self._verify(account.provider, api_key)
            if org.id != account.organization_id:
                raise Conflict(
                    f"this key belongs to organization {org.name} ({org.id}), not to {account.organization_name} "
                    f"({account.organization_id}); connect it as a new account instead",
                    field="api_key",
                )
        except TokenMeterError as exc:
            self._audit(
                tenant_id, actor, "rotate_failed", account_id, "failed", {"code": exc.code, "reason": exc.message}
            )
            raise
        now = self.clock()
        new_ref = self.secrets.replace(tenant_id, account_id, account.secret_ref, api_key)
        changes: dict[str, Any] = {
            "secret_ref": new_ref,
            "key_hint": PROVIDERS[account.provider].key_hint(api_key),
            "key_fingerprint": fingerprint,
            "key_created_at": now,
            "rotation_reminded_key": "",
            "consecutive_failures": 0,
            "status": STATUS_CONNECTED if account.coverage else STATUS_SYNCING,
            "status_reason": None if account.coverage else "importing history",
            "next_sync_at": now,
        }
        self.accounts.update(tenant_id, account_id, changes)
        self._audit(
            tenant_id,
            actor,
            "rotate",
            account_id,
            "ok",
            {"old_key_hint": account.key_hint, "new_key_hint": changes["key_hint"]},
        )
        rotated = account.with_changes(**changes)
        self._request_collect(rotated, "manual")
        return rotated

    # -- read -----------------------------------------------------------------------------------

    def get(self, tenant_id: str, account_id: str) -> Account:
        account = self.accounts.get(tenant_id, account_id)
        if account is None:
            raise NotFound(f"no account {account_id}", field="account_id")
        return account

    def list(self, tenant_id: str, include_disconnected: bool = False) -> list[Account]:
        accounts = self.accounts.list(tenant_id)
        return [a for a in accounts if include_disconnected or a.active]

    # -- disconnect -----------------------------------------------------------------------------

    def disconnect(self, tenant_id: str, account_id: str, purge: bool = False, actor: str = "system") -> Account:
        """Delete the key (every version) and stop syncing. History is kept unless ``purge``. Idempotent."""
        account = self.get(tenant_id, account_id)
        now = self.clock()
        if account.active:
            self.secrets.delete(tenant_id, account_id, account.secret_ref)
            changes: dict[str, Any] = {
                "status": STATUS_DISCONNECTED,
                "status_reason": "disconnected by a user",
                "secret_ref": "",
                "next_sync_at": None,
                "stale_at": None,
                "disconnected_at": now,
            }
            self.accounts.update(tenant_id, account_id, changes)
            account = account.with_changes(**changes)
            self._audit(tenant_id, actor, "disconnect", account_id, "ok", {"key_hint": account.key_hint})
        if purge:
            if self.purger is None:
                raise InvalidInput("purging is not available here", field="purge")
            deleted = self.purger.purge_account_data(tenant_id, account_id)
            self.accounts.update(tenant_id, account_id, {"status_reason": "disconnected; usage history purged"})
            account = account.with_changes(status_reason="disconnected; usage history purged")
            self._audit(tenant_id, actor, "purge", account_id, "ok", {"documents_deleted": deleted})
        return account

    # -- sync -----------------------------------------------------------------------------------

    def request_sync(self, tenant_id: str, account_id: str) -> dict[str, Any]:
        """Ask for a sync now, and say what will really happen: ``queued`` (a sync will start), ``running``
        (one is under way: its progress; nothing more is queued). A disconnected account is refused (409)."""
        account = self.get(tenant_id, account_id)
        if not account.active:
            raise Conflict(f"account {account_id} is disconnected; connect it again to sync", field="account_id")
        now = self.clock()
        progress = account.history_progress(now)
        if account.lease_until is not None and account.lease_until > now:
            return {
                "account_id": account.id,
                "status": "running",
                "detail": f"a sync is running; {progress['percent']}% of the history window is imported",
                "progress": progress,
            }
        # A person asked: automatic retries resume (they stop after repeated failures). Written only when
        # something changes: a burst of requests for an account already due writes nothing (no contention).
        if account.next_sync_at is None or account.next_sync_at > now or account.consecutive_failures:
            self.accounts.update(tenant_id, account_id, {"next_sync_at": now, "consecutive_failures": 0})
        self._request_collect(account, "manual")
        return {
            "account_id": account.id,
            "status": "queued",
            "detail": "a sync will start within a minute",
            "progress": progress,
        }

    # -- plans ----------------------------------------------------------------------------------

    def apply_plan(self, tenant_id: str, plan: str, history_days_override: int | None, actor: str) -> int:
        """Set the plan; accounts whose history window grew import the older history (returns how many); a
        window that shrank schedules the deletion of what lies beyond it after a grace period."""
        if plan not in PLANS:
            raise InvalidInput(f"plan must be one of {', '.join(PLANS)}", field="plan")
        if self.tenants is None:
            raise InvalidInput("plans are not available here", field="plan")
        before = self.tenants.get_tenant(tenant_id)
        self.tenants.set_plan(tenant_id, plan, history_days_override)
        days = history_days_override or PLANS[plan]
        if before is not None and self.retention is not None:
            # A shorter window hides older history now and deletes it after a grace (audited there).
            self.retention.window_changed(before, days, actor)
        now = self.clock()
        start = history_start_for(now, days)
        grown = 0
        for account in self.list(tenant_id):
            changes: dict[str, Any] = {"history_days": days}
            if start < account.history_start:
                # The older hours are not in the account's coverage: the next sync reads them, whatever
                # else happens in between (another plan change, a sync running now), and progress shows it.
                changes.update(
                    {
                        "history_start": start,
                        "status": STATUS_SYNCING,
                        "status_reason": "importing older history",
                        "next_sync_at": now,
                    }
                )
                grown += 1
            self.accounts.update(tenant_id, account.id, changes)
            if "history_start" in changes:
                self._request_collect(account, "manual")
        self._audit(tenant_id, actor, "plan", None, "ok", {"plan": plan, "history_days": days})
        return grown

    # -- helpers --------------------------------------------------------------------------------

    def _audit(
        self, tenant_id: str, actor: str, action: str, account_id: str | None, outcome: str, detail: dict[str, Any]
    ) -> None:
        if self.audit is None:
            return
        try:
            self.audit.record(AuditEntry(tenant_id, self.clock(), actor, action, account_id, outcome, detail))
        except Exception:
            log.exception("could not write the audit log", extra={"action": action, "account_id": account_id})

    def _request_collect(self, account: Account, reason: Literal["connect", "manual"]) -> None:
        message = CollectRequest(
            tenant_id=account.tenant_id, account_id=account.id, reason=reason, requested_at=self.clock()
        )
        try:
            self.publisher.publish(self.topic_collect_requests, message)
        except Exception:
            # The account is due (next_sync_at); the next scheduler tick dispatches it anyway.
            log.exception("could not publish collect request", extra={"account_id": account.id})
