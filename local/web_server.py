"""The dashboard on 127.0.0.1: the built single-page app (web/dist), its config.json, and the LOCAL
development sign-in.

`make run` starts one next to the API. ``GET /config.json`` tells the app where the API is and that
sign-in is local; ``POST /local/sign-in {"user_id": "..."}`` answers ``{"token": ...}``, a bearer token
signed by the local token issuer (the same issuer `make token` uses, verified by the API through the
same code as Firebase ID tokens). The token carries no tenant and no role: the app sends the tenant in
X-Tenant-Id and the tenant's member list decides what the user may do. This server exists only in local
mode; the cloud serves the same files from the hosting bucket with a config.json written by Terraform.

Run alone: ``python -m local.web_server --api http://127.0.0.1:8080 [--port 8081]``.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from local.wiring import ROOT
from shared.security.auth import LocalTokenIssuer

DIST = ROOT / "web" / "dist"
USER_ID = re.compile(r"^[A-Za-z0-9._@+-]{1,128}$")
MAX_BODY = 4096
TOKEN_TTL_SECONDS = 12 * 3600

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/json", ".map")
mimetypes.add_type("image/svg+xml", ".svg")


def security_headers(api_base_url: str) -> dict[str, str]:
    """What the cloud's hosting sends too: no framing, no sniffing, scripts and API calls from known places."""
    api_origin = "{0.scheme}://{0.netloc}".format(urlsplit(api_base_url))
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"connect-src 'self' {api_origin}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }


class WebServer:
    """Serves ``dist`` with a single-page-app fallback; a daemon thread, stopped by ``stop()``."""

    def __init__(
        self,
        api_base_url: str,
        issuer: LocalTokenIssuer,
        *,
        dist: Path = DIST,
        host: str = "127.0.0.1",
        port: int = 0,
        default_user: str = "demo-owner",
        default_tenant: str = "demo",
    ):
        self.dist = dist.resolve()
        if not (self.dist / "index.html").is_file():
            raise FileNotFoundError(f"{self.dist / 'index.html'} is missing: build the dashboard with `make web`")
        self.config = {
            "api_base_url": api_base_url.rstrip("/"),
            "auth": "local",
            "local_sign_in_url": "/local/sign-in",
            "local_default_user": default_user,
            "default_tenant": default_tenant,
        }
        self.issuer = issuer
        self.headers = security_headers(api_base_url)
        self._httpd = ThreadingHTTPServer((host, port), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="web-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> WebServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _file_for(self, path: str) -> Path | None:
        """The file under dist for a URL path, or None (never a path outside dist)."""
        relative = unquote(path).lstrip("/") or "index.html"
        candidate = (self.dist / relative).resolve()
        if candidate != self.dist and self.dist not in candidate.parents:
            return None
        return candidate if candidate.is_file() else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            server_version = "TokenMeterLocalWeb"
            sys_version = ""

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in {**server.headers, **(extra or {})}.items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _json(self, status: int, body: dict[str, Any]) -> None:
                self._send(status, json.dumps(body).encode(), "application/json", {"Cache-Control": "no-store"})

            def _error(self, status: int, code: str, message: str, field: str | None = None) -> None:
                self._json(status, {"error": {"code": code, "message": message, "field": field}})

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path == "/config.json":
                    self._json(200, server.config)
                    return
                file = server._file_for(path)
                if file is None:
                    if "." in path.rsplit("/", 1)[-1]:  # a missing asset is a 404, not the app
                        self._send(404, b"not found", "text/plain; charset=utf-8")
                        return
                    file = server.dist / "index.html"  # a route of the single-page app
                content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                if content_type.startswith("text/") or content_type in ("application/json", "image/svg+xml"):
                    content_type += "; charset=utf-8"
                immutable = file.parent.name == "assets"  # content-hashed names
                cache = "public, max-age=31536000, immutable" if immutable else "no-cache"
                self._send(200, file.read_bytes(), content_type, {"Cache-Control": cache})

            do_HEAD = do_GET

            def do_POST(self) -> None:
                if urlsplit(self.path).path != "/local/sign-in":
                    self._error(404, "not_found", "no such endpoint")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    self._error(413, "payload_too_large", "the body is too large", "body")
                    return
                try:
                    body = json.loads(self.rfile.read(length) or b"null")
                except ValueError:
                    self._error(400, "bad_request", "the body is not valid JSON", "body")
                    return
                user_id = body.get("user_id") if isinstance(body, dict) else None
                if not isinstance(user_id, str) or not USER_ID.match(user_id):
                    self._error(422, "invalid_input", "user_id: 1 to 128 letters, digits and . _ @ + -", "user_id")
                    return
                token = server.issuer.issue(None, user_id=user_id, ttl=TOKEN_TTL_SECONDS)
                self._json(200, {"token": token, "user_id": user_id})

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default=f"http://127.0.0.1:{os.environ.get('API_PORT', '8080')}")
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT") or 8081))
    args = parser.parse_args()
    local_dir = Path(os.environ.get("TM_LOCAL_DIR") or ROOT / ".local").resolve()
    project = os.environ.get("GOOGLE_CLOUD_PROJECT") or "tokenmeter-local"
    server = WebServer(args.api, LocalTokenIssuer(local_dir, project), port=args.port).start()
    print(f"Dashboard: {server.url} (API {args.api})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
