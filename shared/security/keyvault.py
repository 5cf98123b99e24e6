"""Where provider keys live, and what our database may hold of them.

A connected account's Admin key is sealed by us (AES-256-GCM, keyring from Secret Manager) and stored as
a version of that account's own Secret Manager secret. Firestore holds only the *encrypted key
identifier*: the Secret Manager version name, itself sealed with the account's ids as associated data.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from shared.security.sealing import Keyring, SealingError, associated_data

log = logging.getLogger(__name__)

ACCOUNT_SECRET_PREFIX = "tm-account-"
SEALING_KEY_SECRET = "tm-sealing-key"


class SecretBackend(Protocol):
    def ensure_secret(self, secret_id: str, labels: dict[str, str]) -> str: ...

    def add_version(self, secret_id: str, data: bytes) -> str: ...

    def access(self, version_name: str) -> bytes: ...

    def destroy_version(self, version_name: str) -> None: ...

    def delete_secret(self, secret_id: str) -> None: ...

    def enabled_versions(self, secret_id: str) -> dict[int, bytes]: ...


def account_secret_id(tenant_id: str, account_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", f"{tenant_id}--{account_id}")
    return (ACCOUNT_SECRET_PREFIX + safe)[:255]


def sealing_keyring(backend: SecretBackend, secret_id: str = SEALING_KEY_SECRET, create: bool = False) -> Keyring:
    """The keyring from the sealing-key secret's enabled versions.

    Args:
        create: make a first 256-bit version when the secret has none (local stack only; in the cloud the
            sealing key is bootstrapped once by an operator, see infra/README.md).
    """

    def load() -> dict[int, bytes]:
        versions = backend.enabled_versions(secret_id)
        if not versions and create:
            backend.ensure_secret(secret_id, {"app": "tokenmeter", "purpose": "sealing-key"})
            backend.add_version(secret_id, os.urandom(32))
            versions = backend.enabled_versions(secret_id)
        return versions

    return Keyring(load)


def add_sealing_key_version(backend: SecretBackend, secret_id: str = SEALING_KEY_SECRET) -> str:
    """Step one of a sealing-key rotation: a new 256-bit version, which becomes the one that seals."""
    backend.ensure_secret(secret_id, {"app": "tokenmeter", "purpose": "sealing-key"})
    return backend.add_version(secret_id, os.urandom(32))


@dataclass
class AccountKeyVault:
    """Implements the SecretStore port: put, get, replace, delete and reseal provider keys."""

    backend: SecretBackend
    keyring: Keyring

    def _sealed_ref(self, tenant_id: str, account_id: str, version_name: str) -> str:
        return self.keyring.seal(version_name, associated_data("secret_ref", tenant_id, account_id))

    def _version_name(self, tenant_id: str, account_id: str, sealed_ref: str) -> str:
        name = self.keyring.open(sealed_ref, associated_data("secret_ref", tenant_id, account_id))
        if f"/secrets/{account_secret_id(tenant_id, account_id)}/versions/" not in name:
            raise SealingError("the key identifier does not belong to this account")
        return name

    def put(self, tenant_id: str, account_id: str, api_key: str) -> str:
        secret_id = account_secret_id(tenant_id, account_id)
        self.backend.ensure_secret(secret_id, {"app": "tokenmeter", "kind": "provider-admin-key"})
        sealed_key = self.keyring.seal(api_key, associated_data("api_key", tenant_id, account_id))
        version = self.backend.add_version(secret_id, sealed_key.encode())
        return self._sealed_ref(tenant_id, account_id, version)

    def get(self, tenant_id: str, account_id: str, sealed_ref: str) -> str:
        version = self._version_name(tenant_id, account_id, sealed_ref)
        sealed_key = self.backend.access(version).decode()
        return self.keyring.open(sealed_key, associated_data("api_key", tenant_id, account_id))

    def replace(self, tenant_id: str, account_id: str, sealed_ref: str, api_key: str) -> str:
        """A new secret version with the new key; the old version is destroyed."""
        old = self._version_name(tenant_id, account_id, sealed_ref) if sealed_ref else None
        new_ref = self.put(tenant_id, account_id, api_key)
        if old is not None:
            self.backend.destroy_version(old)
        return new_ref

    def reseal(self, tenant_id: str, account_id: str, sealed_ref: str) -> str:
        """Seal the stored key (and its identifier) again under the current sealing-key version."""
        return self.replace(tenant_id, account_id, sealed_ref, self.get(tenant_id, account_id, sealed_ref))

    def delete(self, tenant_id: str, account_id: str, sealed_ref: str) -> None:
        """Delete the account's secret with all its versions."""
        self.backend.delete_secret(account_secret_id(tenant_id, account_id))

    def sealed_with(self, sealed_ref: str) -> int:
        return self.keyring.version_of(sealed_ref)


@dataclass(frozen=True)
class ResealReport:
    accounts: int
    resealed: int
    already_current: int
    failed: list[str]


def reseal_all(vault: AccountKeyVault, accounts: Iterable[tuple[str, str, str]], save: SaveRef) -> ResealReport:
    """Step two of a rotation: re-seal every stored key under the newest sealing-key version.

    Safe while the service runs: readers that meet a newer version reload the keyring, and an old
    reference stays readable until its secret version is destroyed right after the new one is saved.
    """
    vault.keyring.reload()
    current = vault.keyring.current_version
    total = resealed = current_count = 0
    failed: list[str] = []
    for tenant_id, account_id, sealed_ref in accounts:
        total += 1
        if not sealed_ref:
            continue
        try:
            if vault.sealed_with(sealed_ref) == current:
                current_count += 1
                continue
            new_ref = vault.reseal(tenant_id, account_id, sealed_ref)
            save(tenant_id, account_id, new_ref)
            resealed += 1
        except Exception as exc:
            log.error(
                "reseal failed", extra={"tenant_id": tenant_id, "account_id": account_id, "error": type(exc).__name__}
            )
            failed.append(f"{tenant_id}/{account_id}")
    return ResealReport(total, resealed, current_count, failed)


class SaveRef(Protocol):
    def __call__(self, tenant_id: str, account_id: str, sealed_ref: str) -> None: ...
