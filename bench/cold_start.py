"""Cold-start benchmark: what each function pays at import and at its first service build.

Each measurement runs in a fresh Python process, which loads ``functions/<name>/main.py`` the way
functions-framework does (``load_function_module`` + ``exec_module``, after the framework itself is
imported, as on the platform), then builds the function's service through ``shared.bootstrap`` (lazy, on
the first event) with the emulator variables set. It reports, separately for the module import and the
first build, the median time over several processes and which heavy client modules were loaded.

Target: no function pays for a client it does not use.

Run: ``python -m bench.cold_start [--repeats 5]`` (``--small``: one process per function).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

HEAVY = {
    "firestore": "google.cloud.firestore",
    "pubsub": "google.cloud.pubsub_v1",
    "secretmanager": "google.cloud.secretmanager",
    "genai_prices": "genai_prices",
    "httpx": "httpx",
    "grpc": "grpc",
    "pydantic": "pydantic",
    "cryptography": "cryptography.hazmat.primitives.ciphers.aead",
    "jwt": "jwt",
}
"""Short name -> module whose presence in sys.modules means the client (or library) was loaded."""


USES = {
    "dispatcher": {"firestore", "pubsub", "grpc", "pydantic"},
    "collector": {"firestore", "pubsub", "secretmanager", "httpx", "grpc", "pydantic", "cryptography"},
    "costing": {"firestore", "genai_prices", "pubsub", "grpc", "pydantic"},  # publishes "usage priced"
    "api": {"firestore", "pubsub", "secretmanager", "httpx", "grpc", "pydantic", "cryptography", "jwt", "genai_prices"},
    # The alert evaluators read usage and budgets and publish alerts; the deliveries send them over HTTP.
    "alert_evaluator": {"firestore", "pubsub", "grpc", "pydantic"},
    "alert_account_events": {"firestore", "pubsub", "grpc", "pydantic"},
    "alert_sweep": {"firestore", "pubsub", "grpc", "pydantic"},
    "alert_webhook": {"firestore", "httpx", "grpc", "pydantic", "cryptography"},
    "alert_email": {"firestore", "httpx", "grpc", "pydantic", "cryptography"},
}
"""What each function's work needs (the api connects accounts: it verifies keys over HTTP, seals and
stores them, publishes collect requests, verifies tokens and explains prices). Functions not listed here
are measured and their clients printed, but not judged."""


def builders(name: str) -> list[tuple[str, tuple[object, ...]]]:
    """The ``bootstrap.<builder>(literal args)`` calls in the function's main.py: what its first event builds."""
    import ast

    tree = ast.parse((ROOT / "functions" / name / "main.py").read_text())
    found: list[tuple[str, tuple[object, ...]]] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "bootstrap"
        ):
            call = (node.func.attr, tuple(ast.literal_eval(a) for a in node.args))
            if call not in found:
                found.append(call)
    return found


def _loaded() -> list[str]:
    return sorted(short for short, module in HEAVY.items() if module in sys.modules)


def child(name: str) -> dict[str, Any]:
    """Runs in the fresh process: framework, then the function's module, then its first build."""
    started = time.perf_counter()
    from functions_framework import _function_registry

    framework_ms = (time.perf_counter() - started) * 1000
    with_framework = _loaded()
    source = str(ROOT / "functions" / name / "main.py")
    started = time.perf_counter()
    module, spec = _function_registry.load_function_module(source)
    spec.loader.exec_module(module)
    import_ms = (time.perf_counter() - started) * 1000
    after_import = _loaded()
    from shared import bootstrap

    calls = builders(name)
    started = time.perf_counter()
    for builder, args in calls:
        getattr(bootstrap, builder)(*args)
    build_ms = (time.perf_counter() - started) * 1000
    return {
        "framework_ms": framework_ms,
        "import_ms": import_ms,
        "build_ms": build_ms,
        "builders": [f"{b}({', '.join(map(repr, a))})" for b, a in calls],
        "framework_loaded": with_framework,
        "import_loaded": after_import,
        "build_loaded": _loaded(),
    }


def run_child(name: str, env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.cold_start", "--child", name],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{name}: child failed\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per function")
    parser.add_argument("--small", action="store_true", help="smoke run: one process per function")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.small:
        args.repeats = 1
    if args.child:
        print(json.dumps(child(args.child)))
        return 0

    sys.path.insert(0, str(ROOT))
    from bench.common import emulator_env
    from local.secret_manager_server import LocalSecretManager
    from shared import topology

    tmp = Path(tempfile.mkdtemp(prefix="tm-bench-cold-"))
    rows = []
    with emulator_env(tmp / "emulators", heap="512m") as emu:
        secrets = LocalSecretManager()
        secrets.start()
        env = {
            **emu.env(),
            "TM_SECRET_MANAGER_EMULATOR_HOST": secrets.host,
            "GOOGLE_CLOUD_PROJECT": "tm-bench-cold",
            "TM_MODE": "local",
            "TM_LOCAL_DIR": str(tmp / "local"),
        }
        try:
            for fn in topology.FUNCTIONS:
                runs = [run_child(fn.name, env) for _ in range(args.repeats)]
                rows.append((fn.name, runs))
        finally:
            secrets.stop()

    print(f"== cold start: median of {args.repeats} fresh processes per function (functions-framework loading)")
    framework = statistics.median(float(r["framework_ms"]) for _, runs in rows for r in runs)
    print(
        f"functions-framework itself: {framework:.0f} ms, loads {', '.join(rows[0][1][0]['framework_loaded']) or '-'}"
    )
    print(f"{'function':21} {'import ms':>9} {'build ms':>9}  loaded at import / added by first build; unused")
    ok = True
    for name, runs in rows:
        first = runs[0]
        imported = set(first["import_loaded"]) - set(first["framework_loaded"])
        built = set(first["build_loaded"]) - set(first["import_loaded"])
        judged = name in USES
        unused = (set(first["build_loaded"]) - set(first["framework_loaded"])) - USES.get(name, set())
        ok = ok and not (judged and unused)
        print(
            f"{name:21} {statistics.median(float(r['import_ms']) for r in runs):9.0f} "
            f"{statistics.median(float(r['build_ms']) for r in runs):9.0f}  "
            f"{', '.join(sorted(imported)) or '-'} / {', '.join(sorted(built)) or '-'}; "
            f"{(', '.join(sorted(unused)) or 'none') if judged else '(not judged)'}  "
            f"[{', '.join(first['builders'])}]"
        )
    print(f"no function loads a client it does not use: {'OK' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
