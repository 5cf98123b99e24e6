"""`make run`: the whole local stack, a demo tenant with a connected account, the API on 127.0.0.1.

Starts the Firestore and Pub/Sub emulators, the simulated Anthropic Admin API (unless
ANTHROPIC_API_BASE_URL points elsewhere), every function under functions-framework wired by push
subscriptions as infra/ wires them, and a scheduler loop standing in for Cloud Scheduler. Ctrl-C stops
everything (each child runs in its own process group and the group is killed).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from local.emulators import start_emulators
from local.procs import Proc, free_port, port_open, wait_until
from local.wiring import ROOT, create_topology, start_functions
from shared import topology


@dataclass(frozen=True)
class DemoProvider:
    """A provider the demo connects: its simulator (unless its base URL points elsewhere) and demo key."""

    name: str
    label: str
    base_url_env: str
    demo_key_env: str
    simulated_key: str  # the simulator's only: not a real key
    simulator: str
    port_env: str
    default_port: int
    keys_env: str
    ready_path: str
    org_id: str
    patterns: str
    """The simulator's savings-advice usage patterns in the demo (DEMO_PATTERNS overrides; local.simkit)."""


DEMOS = (
    DemoProvider(
        "anthropic",
        "Anthropic",
        "ANTHROPIC_API_BASE_URL",
        "DEMO_ANTHROPIC_ADMIN_KEY",
        "sk-ant-admin01-demo-simulated-key-000000000000000000000000-AAAA",
        "local.anthropic_sim",
        "SIMULATOR_PORT",
        8790,
        "ANTHROPIC_SIM_ADMIN_KEYS",
        "/v1/organizations/me",
        "org_demo",
        "nightly_batch,uncached_chat,long_context,cache_rewrite,idle,new_workspace",
    ),
    DemoProvider(
        "openai",
        "OpenAI",
        "OPENAI_API_BASE_URL",
        "DEMO_OPENAI_ADMIN_KEY",
        "sk-admin-demo-simulated-key-00000000000000000000000000-AAAA",
        "local.openai_sim",
        "OPENAI_SIMULATOR_PORT",
        8791,
        "OPENAI_SIM_ADMIN_KEYS",
        "/v1/organization/projects",
        "org-demo",
        "nightly_batch,uncached_chat,cache_rewrite,idle,new_workspace",  # OpenAI's usage has no context window
    ),
)


def _patterns(demo: DemoProvider) -> str:
    """DEMO_PATTERNS (comma-separated; "none" for none) if set, less what this simulator does not support
    (its default list is all it supports)."""
    wanted = os.environ.get("DEMO_PATTERNS")
    if not wanted:
        return demo.patterns
    supported = demo.patterns.split(",")
    return ",".join(p.strip() for p in wanted.split(",") if p.strip() in supported)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


class SchedulerLoop(threading.Thread):
    """Publishes the Cloud Scheduler job's payload to the tick topic on its cadence."""

    def __init__(self, project: str, interval_seconds: float):
        super().__init__(daemon=True, name="scheduler")
        self.project = project
        self.interval = interval_seconds
        self.stopped = threading.Event()

    def run(self) -> None:
        from google.cloud import pubsub_v1

        publisher = pubsub_v1.PublisherClient()
        topic = publisher.topic_path(self.project, topology.TOPIC_SCHEDULER_TICKS)
        while not self.stopped.is_set():
            payload = json.dumps({"tick_at": datetime.now(UTC).isoformat()}).encode()
            with contextlib.suppress(Exception):
                publisher.publish(topic, payload).result(timeout=10)
            self.stopped.wait(self.interval)


def _start_dashboard(api: str, issuer: Any, port: int, tenant: str, cleanup: list[Any]) -> str:
    """The dashboard beside the API (`make web` builds it); the line `make run` prints about it."""
    from local.web_server import WebServer

    try:
        web = WebServer(api, issuer, port=port, default_tenant=tenant).start()
    except FileNotFoundError as exc:
        return f"  Dashboard: not started ({exc})"
    cleanup.append(web)
    return f"  Dashboard: {web.url}   (local sign-in: user demo-owner, organization {tenant})"


def main() -> int:
    project = os.environ.get("GOOGLE_CLOUD_PROJECT") or "tokenmeter-local"
    local_dir = Path(os.environ.get("TM_LOCAL_DIR") or ROOT / ".local").resolve()
    log_dir = local_dir / "logs"
    api_port = _env_int("API_PORT", 8080)
    web_port = _env_int("WEB_PORT", 8081)
    tenant = os.environ.get("DEMO_TENANT") or "demo"
    cleanup: list[Any] = []
    stopping = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        print("Starting the Firestore and Pub/Sub emulators...", flush=True)
        emu = start_emulators(log_dir, _env_int("FIRESTORE_PORT", 0) or None, _env_int("PUBSUB_PORT", 0) or None)
        cleanup.append(emu)
        os.environ.update(emu.env())

        # Secret Manager has no emulator: the project's own gRPC server speaks its protocol.
        sm_port = _env_int("SECRET_MANAGER_PORT", 0) or free_port()
        secret_manager = Proc(
            "secret-manager",
            [sys.executable, "-m", "local.secret_manager_server", "--port", str(sm_port)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            log_path=log_dir / "secret-manager.log",
            cwd=ROOT,
        )
        cleanup.append(secret_manager)
        wait_until(port_open(sm_port), 30, "local Secret Manager", secret_manager)

        base_urls: dict[str, str] = {}
        demo_keys: dict[str, str | None] = {}
        for demo in DEMOS:
            base_url = os.environ.get(demo.base_url_env)
            if base_url:
                # Pointing elsewhere (a real endpoint, an egress proxy): no simulator, and a demo account only
                # with a key the developer gave; the stack starts either way.
                print(f"Using the {demo.label} API at {base_url} ({demo.base_url_env})", flush=True)
                base_urls[demo.name] = base_url
                demo_keys[demo.name] = os.environ.get(demo.demo_key_env) or None
                continue
            port = _env_int(demo.port_env, demo.default_port)
            print(f"Starting the simulated {demo.label} Admin API on 127.0.0.1:{port}...", flush=True)
            key = os.environ.get(demo.demo_key_env) or demo.simulated_key
            sim = Proc(
                f"simulator-{demo.name}",
                [
                    sys.executable,
                    "-m",
                    demo.simulator,
                    "--port",
                    str(port),
                    "--org-id",
                    demo.org_id,
                    # So the demo's advice page has something to say (savings patterns on keys of their own).
                    "--patterns",
                    _patterns(demo),
                ],
                # The key goes in the environment, never on the command line (ps shows that to everyone).
                env={**os.environ, "PYTHONPATH": str(ROOT), demo.keys_env: key},
                log_path=log_dir / f"simulator-{demo.name}.log",
                cwd=ROOT,
            )
            cleanup.append(sim)
            base_urls[demo.name] = f"http://127.0.0.1:{port}"
            demo_keys[demo.name] = key
            wait_until(port_open(port), 30, f"{demo.label} simulator", sim)

        env = {
            **emu.env(),
            "GOOGLE_CLOUD_PROJECT": project,
            "TM_MODE": "local",
            "TM_LOCAL_DIR": str(local_dir),
            **{demo.base_url_env: base_urls[demo.name] for demo in DEMOS},
            "TM_SECRET_MANAGER_EMULATOR_HOST": f"127.0.0.1:{sm_port}",
            # The dashboard (local/web_server.py) calls the API from its own origin.
            "TM_CORS_ORIGIN": f"http://127.0.0.1:{web_port}",
        }
        from local.alert_receiver import AlertReceiver

        receiver = AlertReceiver(
            port=_env_int("ALERT_RECEIVER_PORT", 8792),
            log_path=log_dir / "alert-receiver.log",
            echo=lambda line: print(line, flush=True),
        ).start()
        cleanup.append(receiver)
        ports = {"api": api_port}
        print("Starting the functions (functions-framework)...", flush=True)
        host = start_functions(env, log_dir, ports)
        cleanup.append(host)
        # A function process that dies is started again (Cloud Run would start a new instance), saying so.
        host.supervise(lambda line: print(line, flush=True))
        create_topology(project, host.ports)
        scheduler = SchedulerLoop(project, _env_int("SCHEDULER_INTERVAL_SECONDS", 3600))
        scheduler.start()
        cleanup.append(scheduler)

        from shared.security.auth import LocalTokenIssuer

        issuer = LocalTokenIssuer(local_dir, project)
        api = f"http://127.0.0.1:{api_port}"
        web_text = _start_dashboard(api, issuer, web_port, tenant, cleanup)
        # Sign up as a user would: create the tenant, which makes the caller its owner.
        signup = {"Authorization": f"Bearer {issuer.issue(None, user_id='demo-owner')}"}
        created = httpx.post(f"{api}/v1/tenants", headers=signup, json={"id": tenant, "name": "Demo"}, timeout=30)
        if created.status_code not in (201, 409):
            print(f"Could not create the demo tenant: {created.status_code} {created.text}", file=sys.stderr)
            return 1
        (local_dir / "stack.json").write_text(
            json.dumps({"project": project, "firestore_host": emu.firestore_host, "api": api})
        )
        token = issuer.issue(tenant, user_id="demo-owner")
        headers = {"Authorization": f"Bearer {token}"}
        accounts = httpx.get(f"{api}/v1/accounts", headers=headers, timeout=30).json()["accounts"]
        connected = {a["provider"]: a for a in accounts}
        skipped: list[DemoProvider] = []
        for demo in DEMOS:
            key = demo_keys[demo.name]
            if demo.name in connected:
                continue
            if key is None:
                skipped.append(demo)
                continue
            print(f"Connecting the demo {demo.label} organization...", flush=True)
            r = httpx.post(
                f"{api}/v1/accounts",
                headers=headers,
                timeout=60,
                json={"provider": demo.name, "name": f"Demo {demo.label}", "api_key": key},
            )
            if r.status_code != 201:
                # The rest of the stack is still useful: say why and go on.
                print(f"Could not connect the demo {demo.label} account: {r.status_code} {r.text}", file=sys.stderr)
                continue
            connected[demo.name] = r.json()
        started = time.monotonic()
        while connected and not stopping.is_set() and time.monotonic() - started < 180:
            states = [
                httpx.get(f"{api}/v1/accounts/{a['id']}", headers=headers, timeout=30).json()
                for a in connected.values()
            ]
            connected = {a["provider"]: a for a in states}
            if all(a["history"]["complete"] and a["status"] == "connected" for a in states):
                break
            progress = ", ".join(f"{a['provider']} {a['history']['percent']}% ({a['status']})" for a in states)
            print(f"  importing history: {progress}", flush=True)
            time.sleep(2)
        from local.demo_alerts import setup_demo_alerts

        try:
            alerts_text = setup_demo_alerts(api, headers, receiver)
        except Exception as exc:  # the rest of the stack is still useful
            alerts_text = f"  Alerts:    demo setup failed: {exc}"
        accounts_text = (
            "; ".join(f"{a['provider']} account {a['id']} is {a['status']}" for a in connected.values())
            or "no account connected"
        )
        skipped_text = "".join(
            f"  {demo.label}: {demo.base_url_env} points elsewhere and {demo.demo_key_env} is not set, so no demo "
            f"{demo.label} account was connected. Connect one:\n"
            f'    curl -s -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\\n'
            f'      -d \'{{"provider": "{demo.name}", "name": "My org", "api_key": "<admin key>"}}\' '
            f"{api}/v1/accounts\n"
            for demo in skipped
        )
        print(
            f"""
TokenMeter is running.
  API:       {api}   (OpenAPI: {api}/v1/openapi.json)
{web_text}
  Tenant:    {tenant}; {accounts_text}
{skipped_text}  Spend by model, last 30 days:
    TOKEN={token}
    curl -s -H "Authorization: Bearer $TOKEN" \\
      "{api}/v1/usage?from=$(date -u -d '29 days ago' +%F)&to=$(date -u +%F)&group_by=provider,model"
  (TOKEN=... is printed above; `make token TENANT={tenant}` prints another.)
{alerts_text}
  Logs: {log_dir}
Press Ctrl-C to stop.""",
            flush=True,
        )
        while not stopping.is_set():
            stopping.wait(1)
        return 0
    finally:
        print("\nStopping...", flush=True)
        for item in reversed(cleanup):
            if isinstance(item, SchedulerLoop):
                item.stopped.set()
            else:
                with contextlib.suppress(Exception):
                    item.stop()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
