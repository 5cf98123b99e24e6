"""The API against its own OpenAPI document, on the live local stack, with schemathesis (issue 10).

The whole stack runs (emulators, local Secret Manager, the simulated Anthropic and OpenAI Admin APIs, every function
under functions-framework wired by push subscriptions, an SMTP server so email channels work). A tenant
connects a demo account; schemathesis then reads /v1/openapi.json and runs every check (`--checks all`)
with that tenant's owner token: a fixed seed, a bounded number of examples per operation and a time
budget, one worker. tests/contract/hooks.py protects the demo account and the owner, keeps every request
on loopback, and names the refusals no schema can state. The test fails on any failure, and prints the
figures: cases run, failures by check, failures the hooks dropped, duration.

Knobs (environment): TM_CONTRACT_SEED (default 20261110), TM_CONTRACT_MAX_EXAMPLES (default 6),
TM_CONTRACT_MAX_TIME seconds (default 150).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from local import openai_sim
from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from local.procs import free_port
from local.secret_manager_server import LocalSecretManager
from local.wiring import FunctionsHost, create_topology, start_functions
from shared.security.auth import LocalTokenIssuer

pytestmark = pytest.mark.emulators
ROOT = Path(__file__).resolve().parents[2]
DEMO_KEY = "sk-ant-admin01-" + "D" * 40 + "demo"
TENANT = "contract"
OWNER = f"owner@{TENANT}"
SEED = int(os.environ.get("TM_CONTRACT_SEED", "20261110"))
MAX_EXAMPLES = int(os.environ.get("TM_CONTRACT_MAX_EXAMPLES", "6"))
MAX_TIME = int(os.environ.get("TM_CONTRACT_MAX_TIME", "150"))


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 OK"


class Live:
    def __init__(self, functions: FunctionsHost, issuer: LocalTokenIssuer, sim: AnthropicSimulator) -> None:
        self.functions = functions
        self.api = functions.url("api")
        self.issuer = issuer
        self.sim = sim

    def headers(self, tenant: str | None = TENANT) -> dict[str, str]:
        return {"Authorization": "Bearer " + self.issuer.issue(tenant, user_id=OWNER)}


@pytest.fixture
def live(project_id: str, tmp_path: Path) -> Iterator[Live]:
    sim = AnthropicSimulator()
    sim.add_organization(
        SimOrganization(
            "org_demo",
            "Demo Org",
            admin_keys=[DEMO_KEY],
            profile=UsageProfile(seed=5, api_keys=2, workspaces=1, combos_per_hour=2),
        )
    )
    sim.start()
    # Every provider is simulated: a generated OpenAI connection reaches this, never the internet.
    openai = openai_sim.OpenAISimulator()
    openai.add_organization(
        openai_sim.SimOrganization(
            "org-contract",
            "Contract OpenAI Org",
            admin_keys=["sk-admin-" + "C" * 40 + "cont"],
            profile=openai_sim.UsageProfile(seed=6, projects=1, api_keys=1, combos_per_hour=1),
        )
    )
    openai.start()
    secrets = LocalSecretManager()
    secrets.start()
    smtp = Controller(Mailbox(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    env = {
        "GOOGLE_CLOUD_PROJECT": project_id,
        "TM_MODE": "local",
        "TM_LOCAL_DIR": str(tmp_path / "local"),
        "ANTHROPIC_API_BASE_URL": sim.base_url,
        "OPENAI_API_BASE_URL": openai.base_url,
        "TM_SECRET_MANAGER_EMULATOR_HOST": secrets.host,
        "TM_HISTORY_DAYS": "3",
        "TM_SMTP_HOST": "127.0.0.1",
        "TM_SMTP_PORT": str(smtp.port),
        "TM_SMTP_FROM": "alerts@tokenmeter.test",
        "TM_SMTP_STARTTLS": "false",
    }
    functions = start_functions(env, tmp_path / "logs")
    try:
        create_topology(project_id, functions.ports)
        yield Live(functions, LocalTokenIssuer(tmp_path / "local", project_id), sim)
    finally:
        functions.stop()
        smtp.stop()
        secrets.stop()
        sim.stop()
        openai.stop()
        for log in sorted((tmp_path / "logs").glob("*.log")):
            text = log.read_text(errors="replace")
            # A failed webhook delivery raises on purpose (Pub/Sub retries it): no other traceback is allowed.
            for block in text.split("Traceback")[1:]:
                assert "DeliveryIncomplete" in block[:5000], f"{log.name} has a traceback:\n{block[:3000]}"


def _demo_tenant(live: Live) -> str:
    """The tenant schemathesis acts in, with the demo account connected and imported; returns its id."""
    r = httpx.post(
        f"{live.api}/v1/tenants", headers=live.headers(None), json={"id": TENANT, "name": "Contract"}, timeout=30
    )
    assert r.status_code == 201, r.text
    r = httpx.post(
        f"{live.api}/v1/accounts",
        headers=live.headers(),
        json={"provider": "anthropic", "name": "Demo", "api_key": DEMO_KEY},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    account_id = str(r.json()["id"])
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        account = httpx.get(f"{live.api}/v1/accounts/{account_id}", headers=live.headers(), timeout=30).json()
        if account["status"] == "connected" and account["history"]["complete"]:
            break
        time.sleep(1)
    else:
        raise AssertionError(f"the demo account did not finish importing: {account}")
    return account_id


def figures(report: dict[str, Any], calls: list[dict[str, Any]]) -> str:
    """The run in a few lines: cases, failures by kind, statuses by operation, the refusals the hooks
    accepted (by operation, status and field)."""
    cases = report.get("test_cases", {})
    failures = {f"{f['code']} {f['title']}": f["count"] for f in report.get("failures", [])}
    statuses: dict[str, Counter[int]] = {}
    dropped: Counter[str] = Counter()
    for call in calls:
        if "dropped" in call:
            dropped[f"{call['dropped']} {call['status']} {call['field']}"] += 1
        else:
            statuses.setdefault(call["op"], Counter())[call["status"]] += 1
    forbidden = Counter(c["message"] for c in calls if c.get("status") == 403)
    lines = [
        f"cases generated: {cases.get('generated')}, with failures: {cases.get('with_failures')}, "
        f"unique failures: {cases.get('unique_failures')}, requests sent: {len(calls) - sum(dropped.values())}",
        f"phases: {json.dumps({k: v.get('status') for k, v in report.get('phases', {}).items()})}",
        f"failures by kind: {json.dumps(failures) if failures else 'none'}",
        f"semantic refusals accepted by the hooks ({sum(dropped.values())}): {json.dumps(dict(dropped.most_common()))}",
        f"403 messages: {json.dumps(dict(forbidden.most_common(5)))}",
        "statuses by operation:",
        *(f"  {op}: {dict(sorted(c.items()))}" for op, c in sorted(statuses.items())),
    ]
    return "\n".join(lines)


def test_the_api_is_exactly_its_openapi_contract(live: Live, tmp_path: Path) -> None:
    account_id = _demo_tenant(live)
    report_path = tmp_path / "schemathesis.json"
    token = live.headers()["Authorization"]
    command = [
        str(Path(sys.executable).parent / "st"),
        "run",
        f"{live.api}/v1/openapi.json",
        "--checks",
        "all",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--max-time",
        str(MAX_TIME),
        "--workers",
        "1",
        "--generation-database",
        "none",
        "--request-timeout",
        "30",
        "--header",
        f"Authorization: {token}",
        "--report",
        "json",
        "--report-json-path",
        str(report_path),
        "--no-color",
        *os.environ.get("TM_CONTRACT_ARGS", "").split(),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.contract.hooks",
        "TM_CONTRACT_PROTECTED_ACCOUNT": account_id,
        "TM_CONTRACT_OWNER": OWNER,
        "TM_CONTRACT_LOG": str(tmp_path / "calls.ndjson"),
    }
    started = time.monotonic()
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=MAX_TIME + 240, cwd=tmp_path)
    duration = time.monotonic() - started
    output = run.stdout + run.stderr
    (tmp_path / "schemathesis.txt").write_text(output)
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    log = tmp_path / "calls.ndjson"
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    keep = os.environ.get("TM_CONTRACT_KEEP")  # a folder to keep the report, output and call log in
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name in ("schemathesis.json", "schemathesis.txt", "calls.ndjson"):
            if (tmp_path / name).exists():
                (Path(keep) / name).write_bytes((tmp_path / name).read_bytes())
    print(f"\n$ {' '.join(c if not c.startswith('Authorization') else 'Authorization: Bearer ...' for c in command)}")
    print(output[-8000:])
    print(f"schemathesis: exit {run.returncode} in {duration:.0f} s\n{figures(report, calls)}")
    assert run.returncode == 0, f"schemathesis found failures (exit {run.returncode}); see the output above"
    # The demo account survived: protected from deletion, still connected.
    account = httpx.get(f"{live.api}/v1/accounts/{account_id}", headers=live.headers(), timeout=30).json()
    assert account["status"] in ("connected", "syncing"), account
