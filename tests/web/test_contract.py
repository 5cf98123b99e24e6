"""The dashboard's typed API client is generated from the API's OpenAPI document, and both are committed:
these fail when the API changed and the client was not regenerated (`make web-client`), so the page and the
contract never drift apart. The TypeScript build (`make web`) then shows every page that reads a changed shape.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from local import web_client

FIX = f"the API changed: run `{web_client.REGENERATE}` and commit web/openapi.json and web/src/api/schema.d.ts"


def _diff(expected: str, actual: str, name: str) -> str:
    lines = difflib.unified_diff(
        actual.splitlines(), expected.splitlines(), f"{name} (committed)", f"{name} (generated now)", lineterm=""
    )
    return "\n".join(list(lines)[:60])


def test_committed_openapi_document_is_the_current_one() -> None:
    expected = web_client.openapi_text()
    actual = web_client.OPENAPI_JSON.read_text() if web_client.OPENAPI_JSON.exists() else ""
    assert actual == expected, f"{FIX}\n{_diff(expected, actual, 'web/openapi.json')}"


def test_committed_typescript_client_is_generated_from_it(tmp_path: Path) -> None:
    if not web_client.GENERATOR.exists():
        if os.environ.get("CI"):
            pytest.fail("web/node_modules is missing: `make test` installs it (npm ci) before pytest")
        pytest.skip("web/node_modules is missing: `make web` installs the generator (npm ci)")
    source = tmp_path / "openapi.json"
    source.write_text(web_client.openapi_text())
    out = tmp_path / "schema.d.ts"
    web_client.generate_schema(source, out)
    expected = out.read_text()
    actual = web_client.SCHEMA_TS.read_text()
    assert actual == expected, f"{FIX}\n{_diff(expected, actual, 'web/src/api/schema.d.ts')}"
