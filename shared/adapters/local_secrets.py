"""A local stand-in for Secret Manager: one AES-256-GCM sealed file per secret.

Used by `make run` (there is no Secret Manager emulator). The master key lives in a file beside the
store, created on first use; each secret is sealed with a fresh 12-byte nonce and the tenant/account
ids as associated data.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets as pysecrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

REF_PREFIX = "local-secret://"


class LocalSecretStore:
    def __init__(self, directory: Path):
        self._dir = directory
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_file = self._dir / "master.key"
        if not key_file.exists():
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(AESGCM.generate_key(bit_length=256))
        self._aead = AESGCM(key_file.read_bytes())

    def _path(self, ref: str) -> Path:
        if not ref.startswith(REF_PREFIX):
            raise KeyError("not a local secret reference")
        name = ref[len(REF_PREFIX) :]
        if not name.isalnum():
            raise KeyError("malformed local secret reference")
        return self._dir / f"{name}.json"

    def put(self, tenant_id: str, account_id: str, api_key: str) -> str:
        name = pysecrets.token_hex(16)
        nonce = os.urandom(12)
        aad = f"{tenant_id}/{account_id}".encode()
        sealed = self._aead.encrypt(nonce, api_key.encode(), aad)
        record = {
            "aad": aad.decode(),
            "nonce": base64.b64encode(nonce).decode(),
            "ciphertext": base64.b64encode(sealed).decode(),
        }
        path = self._dir / f"{name}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(record, fh)
        return REF_PREFIX + name

    def get(self, ref: str) -> str:
        record = json.loads(self._path(ref).read_text())
        plain = self._aead.decrypt(
            base64.b64decode(record["nonce"]), base64.b64decode(record["ciphertext"]), record["aad"].encode()
        )
        return plain.decode()

    def delete(self, ref: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(ref).unlink()
