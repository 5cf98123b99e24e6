"""Starting and stopping local processes in their own process groups, so nothing is left behind."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Proc:
    """A child process in its own session (process group); ``stop()`` kills the whole group."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
        cwd: Path | None = None,
    ):
        self.name = name
        self._spec = (list(argv), env, cwd)
        self._log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
        self.restarts = 0
        self.popen = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        argv, env, cwd = self._spec
        return subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def restart(self) -> None:
        """Start it again (after it died): same command, environment and log."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # what is left of the old group
        self.restarts += 1
        self.popen = self._start()

    def stop(self, timeout: float = 5.0) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout)
        # The group may hold grandchildren (a JVM under a wrapper): make sure they go too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        if self._log is not subprocess.DEVNULL and hasattr(self._log, "close"):
            self._log.close()


class Supervisor(threading.Thread):
    """Restarts a supervised process that dies, saying so, as Cloud Run starts a new instance of a function
    whose instance crashed. Gives up on a process that keeps dying (more than ``max_restarts`` a minute)."""

    def __init__(
        self, procs: Sequence[Proc], echo: Callable[[str], None], interval: float = 1.0, max_restarts: int = 5
    ):
        super().__init__(daemon=True, name="supervisor")
        self.procs = list(procs)
        self.echo = echo
        self.interval = interval
        self.max_restarts = max_restarts
        self.stopped = threading.Event()
        self._recent: dict[str, list[float]] = {}

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            for proc in self.procs:
                if proc.alive() or self.stopped.is_set():
                    continue
                now = time.monotonic()
                recent = [t for t in self._recent.get(proc.name, []) if now - t < 60]
                if len(recent) >= self.max_restarts:
                    if len(recent) == self.max_restarts:
                        self.echo(f"[supervisor] {proc.name} keeps exiting: not restarted again (see its log)")
                        recent.append(now)
                        self._recent[proc.name] = recent
                    continue
                code = proc.popen.returncode
                proc.restart()
                self._recent[proc.name] = [*recent, now]
                self.echo(f"[supervisor] {proc.name} exited (code {code}); restarted it")

    def stop(self) -> None:
        self.stopped.set()


def wait_until(check: Callable[[], bool], timeout: float, what: str, proc: Proc | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{what}: the process exited (code {proc.popen.returncode})")
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s")


def http_ok(url: str) -> Callable[[], bool]:
    def check() -> bool:
        return httpx.get(url, timeout=1.0).status_code < 500

    return check


def port_open(port: int) -> Callable[[], bool]:
    def check() -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            return s.connect_ex(("127.0.0.1", port)) == 0

    return check
