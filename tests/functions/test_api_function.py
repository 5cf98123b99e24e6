"""The api function as the platform loads it: what functions-framework answers before our code runs is
our JSON error too (issue 10: a path holding %0A answered an HTML 404)."""

from __future__ import annotations

from pathlib import Path

import pytest
from functions_framework import create_app

from shared import topology

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["/v1/accounts/%0A", "/v1/members/a%0Ab", "/%0A", "/robots.txt", "/favicon.ico"])
def test_paths_the_framework_cannot_route_answer_json_404(path: str) -> None:
    spec = next(f for f in topology.FUNCTIONS if f.name == "api")
    app = create_app(spec.entry_point, str(ROOT / spec.source), spec.signature_type).test_client()
    r = app.get(path)
    assert r.status_code == 404
    assert r.headers["Content-Type"] == "application/json"
    error = r.get_json()["error"]
    assert error["code"] == "not_found" and error["message"].startswith("no such endpoint")
