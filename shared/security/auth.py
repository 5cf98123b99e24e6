"""Bearer tokens: RS256 ID tokens verified against a key set; the caller's tenant and role come from
the tenant's member list, read on every request (so removing a member takes effect at once).

Production verifies Firebase / Identity Platform ID tokens: Google's published keys (fetched and cached
for as long as Google's Cache-Control allows), audience = project, issuer
https://securetoken.google.com/<project>, expiry. Tests and local mode sign their own RS256 tokens and
verify them through the same code path, with their own key set.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.domain.tenancy import ROLES
from shared.errors import Forbidden, Unauthenticated

LOCAL_ISSUER = "tokenmeter-local"
FIREBASE_ISSUER_PREFIX = "https://securetoken.google.com/"
GOOGLE_JWKS_URL = "https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com"
TENANT_HEADER = "X-Tenant-Id"
TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


@dataclass(frozen=True, slots=True)
class Identity:
    """Who signed in (from a verified token)."""

    user_id: str
    email: str | None = None
    tenant_hint: str | None = None  # the token's tenant_id claim, when it has one


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is asking, on behalf of which tenant, with which role."""

    user_id: str
    tenant_id: str
    role: str


KeySource = Callable[[str], Any]
"""kid -> public key, or None when unknown."""


class JwksKeySource:
    """Public keys from a JWKS URL, cached for the time the server's Cache-Control allows."""

    def __init__(self, url: str, fetch: Callable[[str], tuple[str, float]] | None = None, min_ttl: float = 300.0):
        self._url = url
        self._fetch = fetch or _http_fetch
        self._min_ttl = min_ttl
        self._keys: dict[str, Any] = {}
        self._expires = 0.0
        self._lock = threading.Lock()

    def __call__(self, kid: str) -> Any:
        now = time.monotonic()
        if now >= self._expires or kid not in self._keys:
            with self._lock:
                if now >= self._expires or (kid not in self._keys and now - (self._expires - self._min_ttl) > 30):
                    body, max_age = self._fetch(self._url)
                    document = json.loads(body)
                    self._keys = {
                        k["kid"]: jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(k)) for k in document.get("keys", [])
                    }
                    self._expires = time.monotonic() + max(max_age, self._min_ttl)
        return self._keys.get(kid)


def _http_fetch(url: str) -> tuple[str, float]:
    import httpx

    response = httpx.get(url, timeout=10)
    response.raise_for_status()
    match = re.search(r"max-age=(\d+)", response.headers.get("cache-control", ""))
    return response.text, float(match.group(1)) if match else 3600.0


class TokenVerifier:
    """Verifies RS256 tokens: signature (by ``kid``), audience, issuer, expiry."""

    def __init__(self, keys: KeySource, *, audience: str, issuer: str, leeway: int = 30):
        self._keys = keys
        self._audience = audience
        self._issuer = issuer
        self._leeway = leeway

    def verify(self, authorization: str | None) -> Identity:
        if not authorization:
            raise Unauthenticated("missing Authorization header: send 'Authorization: Bearer <token>'")
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("Authorization header must be 'Bearer <token>'")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("the bearer token is not a well-formed JWT") from None
        if header.get("alg") != "RS256":
            raise Unauthenticated("the bearer token must be signed with RS256")
        try:
            key = self._keys(str(header.get("kid")))
        except Exception:
            raise Unauthenticated("the token signing keys could not be fetched; try again") from None
        if key is None:
            raise Unauthenticated("the bearer token is signed with an unknown key")
        try:
            claims = jwt.decode(
                token,
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
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > 128:
            raise Unauthenticated("the bearer token has no subject")
        hint = claims.get("tenant_id")
        return Identity(user_id=sub, email=claims.get("email"), tenant_hint=hint if isinstance(hint, str) else None)


def requested_tenant(identity: Identity, header_value: str | None) -> str:
    """The tenant a request acts on: the X-Tenant-Id header, else the token's tenant_id claim."""
    tenant = (header_value or identity.tenant_hint or "").strip()
    if not tenant:
        raise Forbidden(f"say which tenant: send the {TENANT_HEADER} header", field=TENANT_HEADER)
    if not TENANT_ID.match(tenant):
        raise Forbidden(f"{TENANT_HEADER} is not a tenant id", field=TENANT_HEADER)
    return tenant


class MembershipCache:
    """A short-lived cache of (tenant, user) -> role, so a request costs at most one membership read."""

    def __init__(self, lookup: Callable[[str, str], str | None], ttl: float = 10.0):
        self._lookup = lookup
        self._ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, str | None]] = {}

    def role(self, tenant_id: str, user_id: str) -> str | None:
        now = time.monotonic()
        hit = self._cache.get((tenant_id, user_id))
        if hit is not None and hit[0] > now:
            return hit[1]
        role = self._lookup(tenant_id, user_id)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[(tenant_id, user_id)] = (now + self._ttl, role)
        return role

    def forget(self, tenant_id: str, user_id: str) -> None:
        self._cache.pop((tenant_id, user_id), None)


class LocalTokenIssuer:
    """The local stack's (and tests') identity provider: an RSA key pair in the local directory."""

    KID = "local-1"

    def __init__(self, directory: Path, audience: str):
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_file = directory / "auth-signing-key.pem"
        if not key_file.exists():
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            tmp = key_file.with_suffix(f".{os.getpid()}.{time.monotonic_ns()}.tmp")
            tmp.write_bytes(pem)
            tmp.chmod(0o600)
            # Linking fails if the file exists: when two processes start at once, the first key wins and
            # both load it (a replace would let each keep its own key and refuse the other's tokens).
            with contextlib.suppress(FileExistsError):
                os.link(tmp, key_file)
            tmp.unlink()
        private_key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        assert isinstance(private_key, rsa.RSAPrivateKey)
        self._private = private_key
        self.audience = audience

    def keys(self, kid: str) -> Any:
        return self._private.public_key() if kid == self.KID else None

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(self.keys, audience=self.audience, issuer=LOCAL_ISSUER)

    def issue(
        self, tenant_id: str | None, user_id: str = "local-user", ttl: int = 7 * 86400, email: str | None = None
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": user_id,
            "aud": self.audience,
            "iss": LOCAL_ISSUER,
            "iat": now,
            "exp": now + ttl,
        }
        if tenant_id:
            claims["tenant_id"] = tenant_id
        if email:
            claims["email"] = email
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.KID})


def firebase_verifier(project_id: str, jwks_url: str = GOOGLE_JWKS_URL) -> TokenVerifier:
    """Verifies Firebase ID tokens with Google's published (cached) keys."""
    return TokenVerifier(JwksKeySource(jwks_url), audience=project_id, issuer=FIREBASE_ISSUER_PREFIX + project_id)


__all__ = ["ROLES", "Identity", "LocalTokenIssuer", "Principal", "TokenVerifier", "firebase_verifier"]
