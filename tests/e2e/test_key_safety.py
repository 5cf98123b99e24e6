"""The product promise, checked like an auditor would: after a full connect, collect, rotate, fail,
disconnect cycle, the key appears nowhere: not in any Firestore document, any Pub/Sub message, any log
line of any function, or any API response. Firestore holds only sealed identifiers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import KEY, OPENAI_KEY, Stack, drain_tap

pytestmark = pytest.mark.emulators
NEW_KEY = "sk-ant-admin01-" + "R" * 40 + "rot2"
PROJECT_KEY = "sk-proj-" + "P" * 40 + "prj3"


def all_documents(stack: Stack) -> list[dict[str, Any]]:
    """Every document in the emulator, walking every collection recursively."""
    out: list[dict[str, Any]] = []

    def walk(collection: Any) -> None:
        for doc in collection.stream():
            out.append({"path": doc.reference.path, **(doc.to_dict() or {})})
            for sub in doc.reference.collections():
                walk(sub)
        # documents that only exist as parents of subcollections
        for ref in collection.list_documents():
            for sub in ref.collections():
                if not ref.get().exists:
                    walk(sub)

    for top in stack.db.collections():
        walk(top)
    return out


def secrets_fragments(key: str) -> list[str]:
    return [key, key[15:45], key[-20:]]


def test_no_key_anywhere_after_connect_collect_rotate_disconnect(stack: Stack) -> None:
    bodies: list[str] = []

    def call(method: str, path: str, **kw: Any) -> httpx.Response:
        r = httpx.request(method, stack.api + path, headers=stack.headers(), timeout=60, **kw)
        bodies.append(r.text)
        return r

    r = call("POST", "/v1/accounts", json={"provider": "anthropic", "name": "Prod", "api_key": KEY})
    assert r.status_code == 201
    account_id = r.json()["id"]
    stack.wait_for("history import", lambda: call("GET", f"/v1/accounts/{account_id}").json()["status"] == "connected")
    # a failing verification (a workspace key) and a bad body echoing a key-shaped value
    call("POST", "/v1/accounts", json={"provider": "anthropic", "name": "W", "api_key": "sk-ant-api03-" + "q" * 40})
    call("POST", "/v1/accounts", json={"provider": "anthropic", "name": "X", "api_key": KEY, "extra": KEY})
    # an OpenAI organization beside it, and an OpenAI project key refused
    r = call("POST", "/v1/accounts", json={"provider": "openai", "name": "OpenAI", "api_key": OPENAI_KEY})
    assert r.status_code == 201, r.text
    openai_id = r.json()["id"]
    stack.wait_for("OpenAI import", lambda: call("GET", f"/v1/accounts/{openai_id}").json()["status"] == "connected")
    refused = call("POST", "/v1/accounts", json={"provider": "openai", "name": "P", "api_key": PROJECT_KEY})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "project_key"

    # rotate to a second key of the same organization
    stack.sim.add_admin_key("org_e2e", NEW_KEY)
    r = call("POST", f"/v1/accounts/{account_id}/rotate", json={"api_key": NEW_KEY})
    assert r.status_code == 200, r.text
    stack.wait_for(
        "sync with the new key",
        lambda: call("GET", f"/v1/accounts/{account_id}").json()["last_success_at"] > r.json()["key_created_at"],
    )
    # the old key is revoked at the provider: nothing breaks, the new one is in use
    stack.sim.revoke_key(KEY)
    assert call("POST", f"/v1/accounts/{account_id}/sync").status_code == 202
    call("GET", "/v1/audit")
    call("GET", "/v1/accounts?include_disconnected=true")
    assert call("DELETE", f"/v1/accounts/{account_id}").status_code == 200

    documents = all_documents(stack)
    messages = drain_tap(stack)
    logs = "\n".join(p.read_text(errors="replace") for p in (stack.tmp / "logs").glob("*.log"))
    assert documents and messages and logs and bodies
    haystacks = {
        "firestore": json.dumps(documents, default=str),
        "pubsub": "\n".join(data.decode(errors="replace") for _, data in messages),
        "logs": logs,
        "responses": "\n".join(bodies),
    }
    for where, text in haystacks.items():
        for key in (KEY, NEW_KEY, OPENAI_KEY, PROJECT_KEY):
            for fragment in secrets_fragments(key):
                assert fragment not in text, f"a key fragment was found in {where}"
    # Firestore holds a sealed key (AES-256-GCM, bound to its account), a hint and a fingerprint; once
    # disconnected, not even the sealed key.
    account_doc = next(d for d in documents if d["path"].endswith(f"accounts/{account_id}"))
    assert account_doc["secret_ref"] == ""  # disconnected: the sealed key is gone
    assert account_doc["key_hint"] == "sk-ant-admin01-...rot2"
    openai_doc = next(d for d in documents if d["path"].endswith(f"accounts/{openai_id}"))
    assert openai_doc["secret_ref"].startswith("tmseal1.")  # still connected: sealed, never in clear
    # Secret Manager holds the sealing keyring and nothing else: no account key lives there.
    assert stack.secret_manager is not None
    assert [n.rsplit("/", 1)[1] for n in stack.secret_manager.state._secrets] == ["tm-sealing-key"]
