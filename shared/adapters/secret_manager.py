"""Google Secret Manager adapter: one secret per connected account."""

from __future__ import annotations

import contextlib
import os
import re
from typing import Any

SECRET_PREFIX = "tm-account-"


def client_from_env() -> Any:
    """A Secret Manager client; honours TM_SECRET_MANAGER_EMULATOR_HOST (a local gRPC server)."""
    from google.cloud import secretmanager

    host = os.environ.get("TM_SECRET_MANAGER_EMULATOR_HOST")
    if host:
        import grpc  # type: ignore[import-untyped]
        from google.auth.credentials import AnonymousCredentials
        from google.cloud.secretmanager_v1.services.secret_manager_service.transports import (
            SecretManagerServiceGrpcTransport,
        )

        channel = grpc.insecure_channel(host)
        transport = SecretManagerServiceGrpcTransport(channel=channel, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
        return secretmanager.SecretManagerServiceClient(transport=transport)
    return secretmanager.SecretManagerServiceClient()


class SecretManagerStore:
    def __init__(self, project_id: str, client: Any | None = None):
        self._project = project_id
        self._client = client or client_from_env()

    @staticmethod
    def _secret_id(tenant_id: str, account_id: str) -> str:
        safe = re.sub(r"[^A-Za-z0-9_-]", "_", f"{tenant_id}-{account_id}")
        return (SECRET_PREFIX + safe)[:255]

    def put(self, tenant_id: str, account_id: str, api_key: str) -> str:
        parent = f"projects/{self._project}"
        secret = self._client.create_secret(
            request={
                "parent": parent,
                "secret_id": self._secret_id(tenant_id, account_id),
                "secret": {"replication": {"automatic": {}}, "labels": {"app": "tokenmeter"}},
            }
        )
        version = self._client.add_secret_version(
            request={"parent": secret.name, "payload": {"data": api_key.encode()}}
        )
        return str(version.name)

    def get(self, ref: str) -> str:
        response = self._client.access_secret_version(request={"name": ref})
        return bytes(response.payload.data).decode()

    def delete(self, ref: str) -> None:
        from google.api_core import exceptions

        secret_name = ref.split("/versions/")[0]
        with contextlib.suppress(exceptions.NotFound):
            self._client.delete_secret(request={"name": secret_name})
