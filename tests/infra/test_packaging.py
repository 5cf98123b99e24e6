"""Each function's source archive, built as Terraform builds it, runs on its own.

infra/package.py reads the same file-set spec (infra/package_spec.json) as infra/modules/function, and
computes the same content hash that names the uploaded object. These tests build every archive, check
what is in it, then unzip it into an empty folder, install only requirements.txt into a fresh virtualenv
(cached per requirements hash in .local/pkgvenv/), and serve it with functions-framework the way Cloud
Functions runs it: no --signature-type flag (the platform starts functions without an Eventarc trigger as
"http"; the handlers' decorators decide), Pub/Sub push bodies posted to /projects/<p>/topics/<t>.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from shared import topology
from tests.infra.infra_model import INFRA, MODULES, ROOT

PROJECT = "tm-packaging"
CORS_ORIGIN = "https://app.example.test"


def _load_package_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tm_infra_package", INFRA / "package.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


package = _load_package_module()


def _written(fn: topology.FunctionSpec) -> bool:
    return (ROOT / fn.source).is_file()


FUNCTION_IDS = [fn.name for fn in topology.FUNCTIONS]


@pytest.fixture(params=topology.FUNCTIONS, ids=FUNCTION_IDS)
def fn(request: pytest.FixtureRequest) -> topology.FunctionSpec:
    spec: topology.FunctionSpec = request.param
    if not _written(spec):
        pytest.skip(f"{spec.source} is not written yet")
    return spec


def test_terraform_builds_from_the_same_spec_and_hash() -> None:
    main_tf = (MODULES / "function" / "main.tf").read_text()
    assert 'file("${path.module}/../../package_spec.json")' in main_tf
    assert "regexall(local.spec.exclude, f)" in main_tf
    # The same formula as package.source_hash, and the object named by it.
    formula = 'sha256(join("\\n", [for name in sort(keys(local.files)) : "${name} ${filesha256(local.files[name])}"]))'
    assert formula in main_tf
    assert 'name         = "${var.name}/${local.source_hash}.zip"' in main_tf


def test_archive_holds_the_function_shared_and_requirements(fn: topology.FunctionSpec, tmp_path: Path) -> None:
    members = package.archive_members(fn.name)
    assert "main.py" in members, "main.py must sit at the archive root"
    assert members["requirements.txt"] == ROOT / "requirements.txt"
    assert "shared/__init__.py" in members and "shared/topology.py" in members
    assert not [n for n in members if "__pycache__" in n or n.endswith(".pyc") or "/." in f"/{n}"]
    others = {f.name for f in topology.FUNCTIONS} - {fn.name}
    assert not [n for n in members if n.split("/")[0] in others], "another function's files leaked in"

    first, digest = package.build_zip(fn.name, tmp_path / "a")
    second, again = package.build_zip(fn.name, tmp_path / "b")
    assert digest == again and first.read_bytes() == second.read_bytes(), "the archive is not reproducible"
    assert first.name == f"{fn.name}-{digest}.zip"
    with zipfile.ZipFile(first) as zf:
        assert sorted(zf.namelist()) == sorted(members)


def test_any_change_to_shared_code_changes_the_hash(tmp_path: Path) -> None:
    name = next((f.name for f in topology.FUNCTIONS if _written(f)), None)
    if name is None:
        pytest.skip("no function written yet")
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "functions" / name, root / "functions" / name)
    shutil.copytree(ROOT / "shared", root / "shared", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "requirements.txt", root / "requirements.txt")
    before = package.source_hash(package.archive_members(name, root))
    with (root / "shared" / "topology.py").open("a") as fh:
        fh.write("\n# a change\n")
    assert package.source_hash(package.archive_members(name, root)) != before
    (root / "shared" / "__pycache__").mkdir(exist_ok=True)
    (root / "shared" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    after = package.source_hash(package.archive_members(name, root))
    assert package.source_hash(package.archive_members(name, root)) == after, "bytecode must not count"


# --------------------------------------------------------------------------------------------------
# Serving the unzipped archive


def _requirements_key() -> str:
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    digest.update(f"{sys.version_info.major}.{sys.version_info.minor}".encode())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="session")
def function_venv() -> Path:
    """A virtualenv holding requirements.txt and nothing else, built once per requirements hash."""
    venv = ROOT / ".local" / "pkgvenv" / _requirements_key()
    done = venv / ".complete"
    if not done.exists():
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        result = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-r", str(ROOT / "requirements.txt")],
            capture_output=True, text=True, timeout=1200, check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"pip install -r requirements.txt failed:\n{result.stderr[-4000:]}"
        done.write_text((ROOT / "requirements.txt").read_text())
    return venv


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    url: str
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def serve(fn: topology.FunctionSpec, venv: Path, tmp_path: Path) -> Iterator[Served]:
    archive, _ = package.build_zip(fn.name, tmp_path / "dist")
    app_dir = tmp_path / "app"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(app_dir)
    port = _free_port()
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        # Local mode: the archive's code paths, without cloud credentials (nothing here reaches Firestore).
        "TM_MODE": "local",
        "TM_LOCAL_DIR": str(tmp_path / "local"),
        "TM_CORS_ORIGIN": CORS_ORIGIN,
    }
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(venv / "bin" / "functions-framework"), "--target", fn.entry_point, "--source", "main.py",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=app_dir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    served = Served(f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"functions-framework exited ({proc.returncode}):\n{served.log_text()}"
            try:
                httpx.get(served.url + "/__ready", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"{fn.name} did not start in 60 s:\n{served.log_text()}"
                time.sleep(0.2)
        yield served
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def _push_body(fn: topology.FunctionSpec, data: bytes) -> dict[str, object]:
    return {
        "message": {
            "data": base64.b64encode(data).decode(),
            "messageId": "packaging-1",
            "publishTime": "2026-01-01T00:00:00Z",
            "attributes": {},
        },
        "subscription": f"projects/{PROJECT}/subscriptions/{topology.subscription_name(fn)}",
    }


@pytest.mark.slow
def test_served_archive_answers(fn: topology.FunctionSpec, function_venv: Path, tmp_path: Path) -> None:
    with serve(fn, function_venv, tmp_path) as served:
        if fn.signature_type == "http":
            spec = httpx.get(served.url + "/v1/openapi.json", timeout=30)
            assert spec.status_code == 200, served.log_text()
            assert "openapi" in spec.json() and spec.json().get("paths")
            assert spec.headers.get("access-control-allow-origin") == CORS_ORIGIN
            anonymous = httpx.get(served.url + "/v1/accounts", timeout=30)
            assert anonymous.status_code == 401, f"{anonymous.status_code} {anonymous.text}\n{served.log_text()}"
            return

        # What Pub/Sub push sends in production. A message that is not JSON is dropped (answered 2xx,
        # logged) before any client is built, so no Firestore is needed to see the handler run.
        push = httpx.post(
            f"{served.url}/projects/{PROJECT}/topics/{fn.trigger_topic}",
            json=_push_body(fn, b"not json"),
            timeout=30,
        )
        assert push.status_code == 200, f"{push.status_code} {push.text}\n{served.log_text()}"

        # And a CloudEvent in binary mode, as Eventarc would send it.
        event = httpx.post(
            served.url + "/",
            content=json.dumps(_push_body(fn, b"not json")),
            headers={
                "content-type": "application/json",
                "ce-id": "packaging-2",
                "ce-specversion": "1.0",
                "ce-source": f"//pubsub.googleapis.com/projects/{PROJECT}/topics/{fn.trigger_topic}",
                "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
            },
            timeout=30,
        )
        assert event.status_code == 200, f"{event.status_code} {event.text}\n{served.log_text()}"
        time.sleep(0.3)
        assert served.log_text().count("dropping malformed message") >= 2, served.log_text()
