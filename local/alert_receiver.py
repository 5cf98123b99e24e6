"""A local webhook receiver for alerts: checks each delivery's signature, records it and logs it.

`make run` starts one for the demo tenant (alerts print on the console and in .local/logs/alert-receiver.log);
the end-to-end tests use it as the receiving end. Paths are channels: ``expect(path, secret)`` sets the
secret a path's deliveries must be signed with; an unsigned or badly signed delivery is answered 401.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from shared.alerts.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


@dataclass(frozen=True)
class Received:
    path: str
    body: dict[str, Any]
    verified: bool
    status: int

    @property
    def alert(self) -> dict[str, Any]:
        alert: dict[str, Any] = self.body.get("alert", {})
        return alert


class AlertReceiver:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        log_path: Path | None = None,
        echo: Callable[[str], None] | None = None,
    ):
        self._secrets: dict[str, str] = {}
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()
        self._log_path = log_path
        self._echo = echo
        self.received: list[Received] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status = receiver._handle(
                    self.path, raw, self.headers.get(TIMESTAMP_HEADER, ""), self.headers.get(SIGNATURE_HEADER, "")
                )
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    def start(self) -> AlertReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def expect(self, path: str, secret: str) -> None:
        with self._lock:
            self._secrets[path] = secret

    def fail(self, path: str, times: int) -> None:
        """Answer the next ``times`` deliveries to ``path`` with 500 (to exercise retries)."""
        with self._lock:
            self._failures[path] = times

    def on(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path == path]

    def _handle(self, path: str, raw: bytes, timestamp: str, signature: str) -> int:
        with self._lock:
            secret = self._secrets.get(path)
            failing = self._failures.get(path, 0)
            if failing:
                self._failures[path] = failing - 1
        verified = secret is not None and verify(secret, timestamp, raw, signature, int(time.time()))
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"unparsed": raw[:200].decode(errors="replace")}
        status = 500 if failing else (204 if verified else 401)
        with self._lock:
            self.received.append(Received(path, body, verified, status))
        alert = body.get("alert") or {}
        line = (
            f"[alert-receiver] {time.strftime('%H:%M:%S')} {path} signature "
            f"{'OK' if verified else 'INVALID'} -> {status}: {alert.get('title') or body.get('text') or body}"
        )
        if self._echo is not None:
            self._echo(line)
        if self._log_path is not None:
            with self._log_path.open("a") as fh:
                fh.write(line + "\n" + json.dumps(body, indent=2, sort_keys=True) + "\n")
        return status
