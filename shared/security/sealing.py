"""AES-256-GCM sealing with a versioned keyring.

Every sealed value carries the keyring version that sealed it, a fresh 12-byte nonce, and is bound by
associated data to what it is and whose it is (purpose, tenant, account): a sealed key moved to another
account, or a sealed reference swapped for a sealed key, fails to open.
"""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "tmseal1"


class SealingError(Exception):
    """A sealed value could not be opened (wrong account, tampered, or an unknown key version)."""


def associated_data(purpose: str, tenant_id: str, account_id: str) -> bytes:
    return f"tokenmeter|{purpose}|{tenant_id}|{account_id}".encode()


class Keyring:
    """Sealing keys by version; the highest version seals, any known version opens.

    ``loader`` returns every usable key version; it is called again when a value sealed under a version
    this instance has not seen arrives (another instance rotated the key): rotation needs no restart.
    """

    def __init__(self, loader: Callable[[], dict[int, bytes]]):
        self._loader = loader
        self._lock = threading.Lock()
        self._keys: dict[int, AESGCM] = {}
        self.reload()

    def reload(self) -> None:
        keys = self._loader()
        if not keys:
            raise SealingError("no sealing key version is available")
        for version, key in keys.items():
            if len(key) != 32:
                raise SealingError(f"sealing key version {version} is not 256 bits")
        with self._lock:
            self._keys = {v: AESGCM(k) for v, k in keys.items()}

    @property
    def current_version(self) -> int:
        return max(self._keys)

    @property
    def versions(self) -> list[int]:
        return sorted(self._keys)

    def seal(self, plaintext: str, aad: bytes) -> str:
        version = self.current_version
        nonce = os.urandom(12)
        sealed = self._keys[version].encrypt(nonce, plaintext.encode(), aad)
        return f"{PREFIX}.{version}.{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def version_of(self, sealed: str) -> int:
        try:
            prefix, version, _ = sealed.split(".", 2)
            if prefix != PREFIX:
                raise ValueError
            return int(version)
        except ValueError:
            raise SealingError("not a sealed value") from None

    def open(self, sealed: str, aad: bytes) -> str:
        version = self.version_of(sealed)
        body = sealed.split(".", 2)[2]
        if version not in self._keys:
            self.reload()
            if version not in self._keys:
                raise SealingError(f"sealing key version {version} is not available")
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        try:
            return self._keys[version].decrypt(raw[:12], raw[12:], aad).decode()
        except InvalidTag:
            raise SealingError("the sealed value does not open for this account (tampered or moved)") from None
