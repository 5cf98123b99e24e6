"""Google Secret Manager as the secret backend (the real service, or the local gRPC server)."""

from __future__ import annotations

import contextlib
import os
from typing import Any

from google.api_core import exceptions


def client_from_env() -> Any:
    """A Secret Manager client; honours TM_SECRET_MANAGER_EMULATOR_HOST (the local gRPC server).

    The client insists on TLS when given only an endpoint, so a local server needs its own channel.
    """
    from google.cloud import secretmanager

    host = os.environ.get("TM_SECRET_MANAGER_EMULATOR_HOST")
    if host:
        import grpc  # type: ignore[import-untyped]
        from google.auth.credentials import AnonymousCredentials
        from google.cloud.secretmanager_v1.services.secret_manager_service.transports import (
            SecretManagerServiceGrpcTransport,
        )

        channel = grpc.insecure_channel(host)
        transport = SecretManagerServiceGrpcTransport(
            channel=channel,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        )
        return secretmanager.SecretManagerServiceClient(transport=transport)
    return secretmanager.SecretManagerServiceClient()


class SecretManagerBackend:
    """Secrets of one project. Secret ids are ours to choose; versions are Secret Manager's."""

    def __init__(self, project_id: str, client: Any | None = None):
        self._project = project_id
        self._client = client or client_from_env()

    def secret_name(self, secret_id: str) -> str:
        return f"projects/{self._project}/secrets/{secret_id}"

    def ensure_secret(self, secret_id: str, labels: dict[str, str]) -> str:
        with contextlib.suppress(exceptions.AlreadyExists):
            self._client.create_secret(
                request={
                    "parent": f"projects/{self._project}",
                    "secret_id": secret_id,
                    "secret": {"replication": {"automatic": {}}, "labels": labels},
                }
            )
        return self.secret_name(secret_id)

    def add_version(self, secret_id: str, data: bytes) -> str:
        version = self._client.add_secret_version(
            request={"parent": self.secret_name(secret_id), "payload": {"data": data}}
        )
        return str(version.name)

    def access(self, version_name: str) -> bytes:
        try:
            response = self._client.access_secret_version(request={"name": version_name})
        except (exceptions.NotFound, exceptions.FailedPrecondition) as exc:
            raise KeyError(f"secret version unavailable: {exc.message}") from None
        return bytes(response.payload.data)

    def disable_version(self, version_name: str) -> None:
        self._client.disable_secret_version(request={"name": version_name})

    def enabled_versions(self, secret_id: str) -> dict[int, bytes]:
        """Every enabled version's payload, by version number (for keyrings)."""
        try:
            listing = self._client.list_secret_versions(request={"parent": self.secret_name(secret_id)})
        except exceptions.NotFound:
            return {}
        out: dict[int, bytes] = {}
        for version in listing:
            if version.state.name == "ENABLED":
                out[int(str(version.name).rsplit("/", 1)[1])] = self.access(str(version.name))
        return out
