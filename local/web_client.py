"""The dashboard's typed API client, generated from the OpenAPI document: `make web-client`.

``web/openapi.json`` is ``build_openapi()`` as JSON; ``web/src/api/schema.d.ts`` is what openapi-typescript
makes of it. Both are committed, and tests/web/test_contract.py fails when either differs from what the
current code would generate, so the page and the API cannot drift apart unnoticed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from local.wiring import ROOT

WEB = ROOT / "web"
OPENAPI_JSON = WEB / "openapi.json"
SCHEMA_TS = WEB / "src" / "api" / "schema.d.ts"
GENERATOR = WEB / "node_modules" / ".bin" / "openapi-typescript"
REGENERATE = "make web-client"


def openapi_text() -> str:
    """The OpenAPI document as the committed file holds it."""
    from shared.api.openapi import build_openapi

    return json.dumps(build_openapi(), indent=1, sort_keys=True) + "\n"


def generate_schema(openapi_path: Path, out: Path) -> None:
    """Run openapi-typescript (from web/node_modules) on ``openapi_path``, writing ``out``."""
    if not GENERATOR.exists():
        raise FileNotFoundError(f"{GENERATOR} is missing: run `npm ci` in web/ (or `make web`)")
    subprocess.run(
        [str(GENERATOR), str(openapi_path), "--default-non-nullable", "false", "--output", str(out)],
        cwd=WEB,
        check=True,
        capture_output=True,
        text=True,
    )


def main() -> int:
    OPENAPI_JSON.write_text(openapi_text())
    generate_schema(OPENAPI_JSON, SCHEMA_TS)
    print(f"wrote {OPENAPI_JSON.relative_to(ROOT)} and {SCHEMA_TS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
