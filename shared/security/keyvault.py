"""Where provider keys live, and what our database may hold of them.

A connected account's Admin key is sealed by us with AES-256-GCM under the sealing keyring, which lives in
Secret Manager (and only there), with the tenant and account ids as associated data: the sealed key opens
only as that account's key. The account document holds the sealed key and nothing that opens it. So a
copy of Firestore (an export, a backup, a bug that returned a raw document) holds no usable key; opening
one needs the keyring too, which only the functions' service account can read.

Why not one Secret Manager secret per account (what this module did first): an active secret version
costs $0.06 a month, six times the whole per-account budget (bench/cost_per_account.py), and each sync
paid a Secret Manager access on top. The protection is the same: either way a key opens only with both
the keyring and the stored ciphertext.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from shared.security.sealing import Keyring, associated_data

log = logging.getLogger(__name__)

SEALING_KEY_SECRET = "tm-sealing-key"


class SecretBackend(Protocol):
    """What the keyring needs of Secret Manager (shared.adapters.secret_manager)."""

    def ensure_secret(self, secret_id: str, labels: dict[str, str]) -> str: ...

    def add_version(self, secret_id: str, data: bytes) -> str: ...

    def enabled_versions(self, secret_id: str) -> dict[int, bytes]: ...


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
class SealedKeyStore:
    """Implements the SecretStore port: the reference it returns *is* the sealed key (see the module
    docstring), so reading a key costs no call to anyone and deleting it is forgetting the reference."""

    keyring: Keyring

    def put(self, tenant_id: str, account_id: str, api_key: str) -> str:
        return self.keyring.seal(api_key, associated_data("api_key", tenant_id, account_id))

    def get(self, tenant_id: str, account_id: str, sealed_ref: str) -> str:
        return self.keyring.open(sealed_ref, associated_data("api_key", tenant_id, account_id))

    def replace(self, tenant_id: str, account_id: str, sealed_ref: str, api_key: str) -> str:
        """The new key sealed; the old sealed key is gone once the caller saves the new reference."""
        return self.put(tenant_id, account_id, api_key)

    def reseal(self, tenant_id: str, account_id: str, sealed_ref: str) -> str:
        """The stored key sealed again under the current sealing-key version."""
        return self.put(tenant_id, account_id, self.get(tenant_id, account_id, sealed_ref))

    def delete(self, tenant_id: str, account_id: str, sealed_ref: str) -> None:
        """Nothing is stored elsewhere: the caller clears the reference, and the key is gone."""

    def sealed_with(self, sealed_ref: str) -> int:
        return self.keyring.version_of(sealed_ref)


@dataclass(frozen=True)
class ResealReport:
    accounts: int
    resealed: int
    already_current: int
    failed: list[str]


def reseal_all(vault: SealedKeyStore, accounts: Iterable[tuple[str, str, str]], save: SaveRef) -> ResealReport:
    """Step two of a rotation: re-seal every stored key under the newest sealing-key version.

    Safe while the service runs: readers that meet a newer version reload the keyring, and an old sealed
    key stays readable (its sealing-key version is still enabled) until it is replaced.
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
