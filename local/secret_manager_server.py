"""A local Secret Manager: a gRPC server speaking google.cloud.secretmanager.v1.SecretManagerService with
the client library's own message types, so the real adapter is exercised unchanged.

There is no Secret Manager emulator. This one implements what TokenMeter uses (create/get/delete secret,
add/access/list/disable/enable/destroy versions, with "latest" aliases and NOT_FOUND/ALREADY_EXISTS/
FAILED_PRECONDITION status codes). State is in memory, optionally persisted to a JSON file so `make run`
keeps its secrets across restarts (payloads there are what we stored: account keys arrive sealed).

Run: ``python -m local.secret_manager_server --port 8791 [--state .local/secret-manager.json]``.
"""

from __future__ import annotations

import argparse
import base64
import json
import threading
import time
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.cloud.secretmanager_v1 import types
from google.protobuf import empty_pb2, timestamp_pb2

SERVICE = "google.cloud.secretmanager.v1.SecretManagerService"


class _Abort(Exception):
    def __init__(self, code: grpc.StatusCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _Version:
    number: int
    data: bytes
    state: str = "ENABLED"  # ENABLED, DISABLED, DESTROYED
    created: float = field(default_factory=time.time)


@dataclass
class _Secret:
    name: str
    labels: dict[str, str]
    created: float = field(default_factory=time.time)
    versions: list[_Version] = field(default_factory=list)


def _ts(seconds: float) -> timestamp_pb2.Timestamp:
    ts = timestamp_pb2.Timestamp()
    ts.FromNanoseconds(int(seconds * 1e9))
    return ts


class SecretManagerState:
    def __init__(self, path: Path | None = None):
        self._secrets: dict[str, _Secret] = {}
        self._lock = threading.Lock()
        self._path = path
        self.calls: list[str] = []
        if path is not None and path.exists():
            raw = json.loads(path.read_text())
            for s in raw["secrets"]:
                secret = _Secret(s["name"], s["labels"], s["created"])
                secret.versions = [
                    _Version(v["number"], base64.b64decode(v["data"]), v["state"], v["created"]) for v in s["versions"]
                ]
                self._secrets[secret.name] = secret

    def _save(self) -> None:
        if self._path is None:
            return
        data = {
            "secrets": [
                {
                    "name": s.name,
                    "labels": s.labels,
                    "created": s.created,
                    "versions": [
                        {
                            "number": v.number,
                            "data": base64.b64encode(v.data).decode(),
                            "state": v.state,
                            "created": v.created,
                        }
                        for v in s.versions
                    ],
                }
                for s in self._secrets.values()
            ]
        }
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.chmod(0o600)
        tmp.replace(self._path)

    def _secret(self, name: str) -> _Secret:
        secret = self._secrets.get(name)
        if secret is None:
            raise _Abort(grpc.StatusCode.NOT_FOUND, f"Secret [{name}] not found or has no versions.")
        return secret

    def _version(self, name: str) -> tuple[_Secret, _Version]:
        secret_name, _, ver = name.partition("/versions/")
        secret = self._secret(secret_name)
        if ver == "latest":
            live = [v for v in secret.versions if v.state == "ENABLED"]
            if not live:
                raise _Abort(grpc.StatusCode.NOT_FOUND, f"Secret [{secret_name}] has no enabled versions.")
            return secret, live[-1]
        try:
            number = int(ver)
        except ValueError:
            raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, f"bad version name {name}") from None
        for v in secret.versions:
            if v.number == number:
                return secret, v
        raise _Abort(grpc.StatusCode.NOT_FOUND, f"Secret Version [{name}] not found.")

    def _version_msg(self, secret: _Secret, v: _Version) -> types.SecretVersion:
        state = {
            "ENABLED": types.SecretVersion.State.ENABLED,
            "DISABLED": types.SecretVersion.State.DISABLED,
            "DESTROYED": types.SecretVersion.State.DESTROYED,
        }[v.state]
        return types.SecretVersion(name=f"{secret.name}/versions/{v.number}", state=state, create_time=_ts(v.created))

    # -- RPCs ------------------------------------------------------------------------------------

    def create_secret(self, req: types.CreateSecretRequest) -> types.Secret:
        if not req.secret_id or len(req.secret_id) > 255:
            raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, "secret_id is invalid")
        name = f"{req.parent}/secrets/{req.secret_id}"
        if name in self._secrets:
            raise _Abort(grpc.StatusCode.ALREADY_EXISTS, f"Secret [{name}] already exists.")
        secret = _Secret(name, dict(req.secret.labels))
        self._secrets[name] = secret
        self._save()
        return types.Secret(
            name=name, labels=secret.labels, create_time=_ts(secret.created), replication=req.secret.replication
        )

    def get_secret(self, req: types.GetSecretRequest) -> types.Secret:
        secret = self._secret(req.name)
        return types.Secret(name=secret.name, labels=secret.labels, create_time=_ts(secret.created))

    def delete_secret(self, req: types.DeleteSecretRequest) -> empty_pb2.Empty:
        self._secret(req.name)
        del self._secrets[req.name]
        self._save()
        return empty_pb2.Empty()

    def add_secret_version(self, req: types.AddSecretVersionRequest) -> types.SecretVersion:
        secret = self._secret(req.parent)
        if len(req.payload.data) > 64 * 1024:
            raise _Abort(grpc.StatusCode.INVALID_ARGUMENT, "payload is over 64 KiB")
        version = _Version(len(secret.versions) + 1, bytes(req.payload.data))
        secret.versions.append(version)
        self._save()
        return self._version_msg(secret, version)

    def access_secret_version(self, req: types.AccessSecretVersionRequest) -> types.AccessSecretVersionResponse:
        secret, v = self._version(req.name)
        if v.state != "ENABLED":
            raise _Abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"Secret Version [{secret.name}/versions/{v.number}] is in {v.state} state.",
            )
        return types.AccessSecretVersionResponse(
            name=f"{secret.name}/versions/{v.number}", payload=types.SecretPayload(data=v.data)
        )

    def get_secret_version(self, req: types.GetSecretVersionRequest) -> types.SecretVersion:
        secret, v = self._version(req.name)
        return self._version_msg(secret, v)

    def list_secret_versions(self, req: types.ListSecretVersionsRequest) -> types.ListSecretVersionsResponse:
        secret = self._secret(req.parent)
        versions = [self._version_msg(secret, v) for v in reversed(secret.versions)]  # newest first, as GCP
        return types.ListSecretVersionsResponse(versions=versions, total_size=len(versions))

    def _set_state(self, name: str, state: str) -> types.SecretVersion:
        secret, v = self._version(name)
        if v.state == "DESTROYED":
            raise _Abort(grpc.StatusCode.FAILED_PRECONDITION, "the version is destroyed")
        v.state = state
        if state == "DESTROYED":
            v.data = b""
        self._save()
        return self._version_msg(secret, v)

    def disable_secret_version(self, req: types.DisableSecretVersionRequest) -> types.SecretVersion:
        return self._set_state(req.name, "DISABLED")

    def enable_secret_version(self, req: types.EnableSecretVersionRequest) -> types.SecretVersion:
        return self._set_state(req.name, "ENABLED")

    def destroy_secret_version(self, req: types.DestroySecretVersionRequest) -> types.SecretVersion:
        return self._set_state(req.name, "DESTROYED")

    def handler(self) -> grpc.GenericRpcHandler:
        methods: dict[str, tuple[Callable[[Any], Any], Any, Any]] = {
            "CreateSecret": (self.create_secret, types.CreateSecretRequest, types.Secret),
            "GetSecret": (self.get_secret, types.GetSecretRequest, types.Secret),
            "DeleteSecret": (self.delete_secret, types.DeleteSecretRequest, None),
            "AddSecretVersion": (self.add_secret_version, types.AddSecretVersionRequest, types.SecretVersion),
            "AccessSecretVersion": (
                self.access_secret_version,
                types.AccessSecretVersionRequest,
                types.AccessSecretVersionResponse,
            ),
            "GetSecretVersion": (self.get_secret_version, types.GetSecretVersionRequest, types.SecretVersion),
            "ListSecretVersions": (
                self.list_secret_versions,
                types.ListSecretVersionsRequest,
                types.ListSecretVersionsResponse,
            ),
            "DisableSecretVersion": (
                self.disable_secret_version,
                types.DisableSecretVersionRequest,
                types.SecretVersion,
            ),
            "EnableSecretVersion": (self.enable_secret_version, types.EnableSecretVersionRequest, types.SecretVersion),
            "DestroySecretVersion": (
                self.destroy_secret_version,
                types.DestroySecretVersionRequest,
                types.SecretVersion,
            ),
        }

        def wrap(name: str, fn: Callable[[Any], Any]) -> Callable[[Any, grpc.ServicerContext], Any]:
            def call(request: Any, context: grpc.ServicerContext) -> Any:
                with self._lock:
                    self.calls.append(name)
                    try:
                        return fn(request)
                    except _Abort as exc:
                        context.abort(exc.code, exc.message)

            return call

        handlers = {
            name: grpc.unary_unary_rpc_method_handler(
                wrap(name, fn),
                request_deserializer=req.deserialize,
                response_serializer=(resp.serialize if resp is not None else empty_pb2.Empty.SerializeToString),
            )
            for name, (fn, req, resp) in methods.items()
        }
        return grpc.method_handlers_generic_handler(SERVICE, handlers)


class LocalSecretManager:
    """The server, started on loopback in a background thread pool."""

    def __init__(self, port: int = 0, state_path: Path | None = None):
        self.state = SecretManagerState(state_path)
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
        self._server.add_generic_rpc_handlers((self.state.handler(),))
        self.port = self._server.add_insecure_port(f"127.0.0.1:{port}")

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> str:
        self._server.start()
        return self.host

    def stop(self) -> None:
        self._server.stop(grace=None).wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--state", type=Path, default=None)
    args = parser.parse_args()
    server = LocalSecretManager(args.port, args.state)
    server.start()
    print(f"local Secret Manager on {server.host}", flush=True)
    try:
        server._server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
