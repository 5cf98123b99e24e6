"""Bearer tokens: RS256 ID tokens verified against a key set, giving a tenant-scoped principal.

Production verifies Firebase / Identity Platform ID tokens (Google's published keys, audience = project).
Local mode issues its own RS256 tokens with a key pair kept in the local directory and verifies them
through the same code path.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.errors import Unauthenticated

ROLES = ("owner", "admin", "viewer")
LOCAL_ISSUER = "tokenmeter-local"
FIREBASE_ISSUER_PREFIX = "https://securetoken.google.com/"


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    tenant_id: str
    role: str


class TokenVerifier:
    """Verifies RS256 tokens against a set of public keys (by ``kid``)."""

    def __init__(self, public_keys: dict[str, Any], *, audience: str, issuer: str, leeway: int = 30):
        self._keys = public_keys
        self._audience = audience
        self._issuer = issuer
        self._leeway = leeway

    def verify(self, authorization: str | None) -> Principal:
        if not authorization:
            raise Unauthenticated("missing Authorization header: send 'Authorization: Bearer <token>'")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization header must be 'Bearer <token>'")
        try:
            header = jwt.get_unverified_header(token.strip())
        except jwt.PyJWTError:
            raise Unauthenticated("the bearer token is not a well-formed JWT") from None
        key = self._keys.get(str(header.get("kid")))
        if key is None or header.get("alg") != "RS256":
            raise Unauthenticated("the bearer token is signed with an unknown key") from None
        try:
            claims = jwt.decode(
                token.strip(),
                key=key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("the bearer token has expired; sign in again") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"the bearer token is not valid ({type(exc).__name__})") from None
        tenant = claims.get("tenant_id")
        role = claims.get("role", "viewer")
        if not isinstance(tenant, str) or not tenant or role not in ROLES:
            raise Unauthenticated("the bearer token carries no tenant membership")
        return Principal(user_id=str(claims["sub"]), tenant_id=tenant, role=role)


class LocalTokenIssuer:
    """The local stack's identity provider: an RSA key pair in the local directory."""

    KID = "local-1"

    def __init__(self, directory: Path, audience: str):
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_file = directory / "auth-signing-key.pem"
        if not key_file.exists():
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            tmp = key_file.with_suffix(".tmp")
            tmp.write_bytes(pem)
            tmp.chmod(0o600)
            tmp.replace(key_file)
        self._private = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        self.audience = audience

    def public_keys(self) -> dict[str, Any]:
        assert isinstance(self._private, rsa.RSAPrivateKey)
        return {self.KID: self._private.public_key()}

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.public_keys(), audience=self.audience, issuer=LOCAL_ISSUER)

    def issue(self, tenant_id: str, user_id: str = "local-user", role: str = "owner", ttl: int = 7 * 86400) -> str:
        now = int(time.time())
        claims = {
            "sub": user_id,
            "tenant_id": tenant_id,
            "role": role,
            "aud": self.audience,
            "iss": LOCAL_ISSUER,
            "iat": now,
            "exp": now + ttl,
        }
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.KID})  # type: ignore[arg-type]


def firebase_verifier(project_id: str, jwks_json: str) -> TokenVerifier:
    """A verifier for Firebase ID tokens from Google's published JWKS document."""
    keys = {k["kid"]: jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(k)) for k in json.loads(jwks_json)["keys"]}
    return TokenVerifier(keys, audience=project_id, issuer=FIREBASE_ISSUER_PREFIX + project_id)
