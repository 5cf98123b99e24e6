"""`make run`'s stack (python -m local.stack) as a developer starts it (issue 10, finding 8 and the supervisor).

With ANTHROPIC_API_BASE_URL pointing elsewhere and no demo key, the whole stack still starts: no Anthropic
simulator and no Anthropic demo account, a printed way to connect one, and the OpenAI demo organization
connected as usual. A function process that dies is started again, and the stack says so. Ctrl-C stops
everything it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from local.procs import free_port

pytestmark = pytest.mark.emulators
ROOT = Path(__file__).resolve().parents[2]


class Output:
    """The stack's stdout, read line by line in the background."""

    def __init__(self, stream: object) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if text in line:
                    return line
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not printed within {timeout} s:\n" + "\n".join(self.lines[-60:]))


def _processes_with(marker: str) -> list[int]:
    """Pids whose environment holds ``marker`` (everything this stack started carries its TM_LOCAL_DIR)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _pid_of(target: str, marker: str) -> int:
    for pid in _processes_with(marker):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"--target={target}".encode() in cmdline and any(b"functions-framework" in a for a in cmdline[:2]):
            return pid
    raise AssertionError(f"no functions-framework process for {target}")


def test_the_stack_starts_without_a_provider_it_cannot_reach_and_restarts_a_dead_function(tmp_path: Path) -> None:
    local_dir = tmp_path / "local"
    api_port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TM_LOCAL_DIR": str(local_dir),
        "GOOGLE_CLOUD_PROJECT": "tm-stack-test",
        "API_PORT": str(api_port),
        "WEB_PORT": str(free_port()),
        "OPENAI_SIMULATOR_PORT": str(free_port()),
        "ALERT_RECEIVER_PORT": str(free_port()),
        "SCHEDULER_INTERVAL_SECONDS": "3600",
        # Somewhere that is not a simulator (nothing listens there), and no demo key.
        "ANTHROPIC_API_BASE_URL": "http://127.0.0.1:9",
        "DEMO_ANTHROPIC_ADMIN_KEY": "",
        "DEMO_PATTERNS": "none",
    }
    for name in ("OPENAI_API_BASE_URL", "FIRESTORE_PORT", "PUBSUB_PORT", "SIMULATOR_PORT"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    out = Output(proc.stdout)
    try:
        out.wait_for("TokenMeter is running.", 240)
        out.wait_for("ANTHROPIC_API_BASE_URL points elsewhere and DEMO_ANTHROPIC_ADMIN_KEY is not set", 5)
        out.wait_for('"provider": "anthropic"', 5)  # the printed curl that connects one
        assert not [line for line in out.lines if "Starting the simulated Anthropic" in line]
        api = f"http://127.0.0.1:{api_port}"
        assert httpx.get(f"{api}/v1/openapi.json", timeout=10).status_code == 200
        token = out.wait_for("TOKEN=", 5).split("TOKEN=", 1)[1].strip()
        accounts = httpx.get(f"{api}/v1/accounts", headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
        assert [a["provider"] for a in accounts["accounts"]] == ["openai"]

        # A function process dies: the supervisor starts it again, says so, and it answers.
        collector = _pid_of("on_collect_request", str(local_dir))
        os.killpg(collector, signal.SIGKILL)
        out.wait_for("[supervisor] function-collector exited", 30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                restarted = _pid_of("on_collect_request", str(local_dir))
                if restarted != collector:
                    break
            except AssertionError:
                pass
            time.sleep(0.5)
        else:
            raise AssertionError("the collector was not started again")
        r = httpx.post(
            f"{api}/v1/accounts/{accounts['accounts'][0]['id']}/sync",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert r.status_code == 202 and r.json()["status"] in ("queued", "running")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        finally:
            assert proc.stdout is not None
            proc.stdout.close()
    # Everything it started is gone (emulators' JVMs, functions, simulator, Secret Manager server).
    time.sleep(1)
    assert _processes_with(str(local_dir)) == []
    assert proc.returncode == 0
