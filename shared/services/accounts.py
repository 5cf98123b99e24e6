"""Connecting, listing, syncing and disconnecting provider accounts."""

from __future__ import annotations

import logging
import secrets as pysecrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.accounts import (
    ANTHROPIC_ADMIN_KEY,
    ANTHROPIC_WORKSPACE_KEY_PREFIX,
    OPENAI_ADMIN_KEY_PREFIX,
    PROVIDERS,
    STATUS_DISCONNECTED,
    STATUS_SYNCING,
    Account,
    key_fingerprint,
    key_hint,
)
from shared.errors import Conflict, InvalidInput, NotFound, UpstreamRejectedKey, UpstreamUnavailable
from shared.ports import AccountStore, Publisher, SecretStore
from shared.providers.anthropic import Organization
from shared.providers.errors import InvalidKey, NotAdminKey, ProviderError

log = logging.getLogger(__name__)

KeyVerifier = Callable[[str, str], Organization]
"""(provider, api_key) -> the organization the key administers; raises ProviderError."""


def check_key_shape(provider: str, api_key: str) -> None:
    """Refuse keys that cannot be right before calling anyone, with a message saying what to do."""
    key = api_key.strip()
    if provider == "anthropic":
        if key.startswith(ANTHROPIC_WORKSPACE_KEY_PREFIX):
            raise UpstreamRejectedKey(
                "this is a workspace API key (sk-ant-api03-...), which cannot read usage. Create an Admin API "
                "key (sk-ant-admin01-...) in the Anthropic Console under Settings > Admin keys "
                "(organization admins only)",
                field="api_key",
                code="workspace_key",
            )
        if key.startswith(OPENAI_ADMIN_KEY_PREFIX):
            raise InvalidInput("this looks like an OpenAI admin key; use provider 'openai' for it", field="api_key")
        if not ANTHROPIC_ADMIN_KEY.match(key):
            raise InvalidInput(
                "api_key is not an Anthropic Admin API key: it must start with sk-ant-admin01- "
                "followed by the key's characters",
                field="api_key",
            )


@dataclass
class AccountService:
    accounts: AccountStore
    secrets: SecretStore
    publisher: Publisher
    verify_key: KeyVerifier
    fingerprint_pepper: bytes
    history_days: int
    topic_collect_requests: str
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def connect(self, tenant_id: str, provider: str, name: str, api_key: str) -> Account:
        """Verify the key live, store it in the secret store, and start importing history."""
        if provider not in PROVIDERS:
            raise InvalidInput(f"provider must be one of: {', '.join(PROVIDERS)} (got {provider!r})", field="provider")
        api_key = api_key.strip()
        check_key_shape(provider, api_key)
        fingerprint = key_fingerprint(api_key, self.fingerprint_pepper)
        existing = [a for a in self.accounts.list(tenant_id) if a.active]
        for other in existing:
            if other.key_fingerprint == fingerprint:
                raise Conflict(f"this key is already connected as account {other.id} ({other.name})", field="api_key")

        org = self._verify(provider, api_key)
        for other in existing:
            if other.provider == provider and other.organization_id == org.id:
                raise Conflict(
                    f"organization {org.name} ({org.id}) is already connected as account {other.id}; "
                    "connecting it twice would count its usage twice",
                    field="api_key",
                )

        now = self.clock()
        account_id = "acc_" + pysecrets.token_hex(8)
        ref = self.secrets.put(tenant_id, account_id, api_key)
        day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        account = Account(
            tenant_id=tenant_id,
            id=account_id,
            provider=provider,
            name=name,
            status=STATUS_SYNCING,
            status_reason="importing history",
            created_at=now,
            history_start=day_start - timedelta(days=self.history_days),
            history_days=self.history_days,
            secret_ref=ref,
            key_hint=key_hint(api_key),
            key_fingerprint=fingerprint,
            organization_id=org.id,
            organization_name=org.name,
            next_sync_at=now,
        )
        try:
            self.accounts.create(account)
        except Exception:
            self.secrets.delete(ref)
            raise
        self._request_collect(account, "connect")
        log.info("account connected", extra={"tenant_id": tenant_id, "account_id": account_id, "org_id": org.id})
        return account

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

    def get(self, tenant_id: str, account_id: str) -> Account:
        account = self.accounts.get(tenant_id, account_id)
        if account is None:
            raise NotFound(f"no account {account_id}", field="account_id")
        return account

    def list(self, tenant_id: str, include_disconnected: bool = False) -> list[Account]:
        accounts = self.accounts.list(tenant_id)
        return [a for a in accounts if include_disconnected or a.active]

    def disconnect(self, tenant_id: str, account_id: str) -> Account:
        """Delete the key and stop syncing; usage history is kept. Idempotent."""
        account = self.get(tenant_id, account_id)
        if not account.active:
            return account
        if account.secret_ref:
            self.secrets.delete(account.secret_ref)
        now = self.clock()
        changes = {
            "status": STATUS_DISCONNECTED,
            "status_reason": "disconnected by a user",
            "secret_ref": "",
            "next_sync_at": None,
            "disconnected_at": now,
        }
        self.accounts.update(tenant_id, account_id, changes)
        return account.with_changes(**changes)

    def request_sync(self, tenant_id: str, account_id: str) -> Account:
        account = self.get(tenant_id, account_id)
        if not account.active:
            raise Conflict(f"account {account_id} is disconnected; connect it again to sync", field="account_id")
        self.accounts.update(tenant_id, account_id, {"next_sync_at": self.clock()})
        self._request_collect(account, "manual")
        return account

    def _request_collect(self, account: Account, reason: str) -> None:
        message = {
            "tenant_id": account.tenant_id,
            "account_id": account.id,
            "reason": reason,
            "requested_at": self.clock().isoformat(),
        }
        try:
            self.publisher.publish(self.topic_collect_requests, message)
        except Exception:
            # The account is due (next_sync_at); the next scheduler tick dispatches it anyway.
            log.exception("could not publish collect request", extra={"account_id": account.id})
