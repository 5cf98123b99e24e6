"""The alert functions loaded the way the platform loads them (functions_framework.create_app) over the emulators."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cloudevents.conversion import to_structured
from cloudevents.http import CloudEvent
from functions_framework import create_app

from shared import bootstrap, topology

pytestmark = pytest.mark.emulators
ROOT = Path(__file__).resolve().parents[2]
ALERT_FUNCTIONS = [f.name for f in topology.FUNCTIONS if f.name.startswith("alert_")]


def _clear() -> None:
    for name in dir(bootstrap):
        fn = getattr(bootstrap, name)
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()


@pytest.fixture
def env(project_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", project_id)
    monkeypatch.setenv("TM_MODE", "local")
    monkeypatch.setenv("TM_LOCAL_DIR", str(tmp_path))
    _clear()
    yield
    _clear()


def client(name: str) -> Any:
    spec = next(f for f in topology.FUNCTIONS if f.name == name)
    return create_app(spec.entry_point, str(ROOT / spec.source), spec.signature_type).test_client()


def event(payload: Any) -> tuple[dict[str, str], bytes]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    ce = CloudEvent(
        {"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//pubsub.googleapis.com/test"},
        {"message": {"data": base64.b64encode(data).decode(), "messageId": "1"}},
    )
    return to_structured(ce)


def test_alert_functions_exist_in_the_topology() -> None:
    assert sorted(ALERT_FUNCTIONS) == [
        "alert_account_events",
        "alert_email",
        "alert_evaluator",
        "alert_sweep",
        "alert_webhook",
    ]


@pytest.mark.parametrize("name", [n for n in ALERT_FUNCTIONS if n != "alert_sweep"])
def test_malformed_messages_are_dropped_not_retried(env: None, name: str) -> None:
    for payload in (b"not json", {"unexpected": True}, {"tenant_id": ""}):
        headers, body = event(payload)
        assert client(name).post("/", headers=headers, data=body).status_code == 200


def test_functions_do_their_work(env: None, firestore_client: Any) -> None:
    headers, body = event({"tenant_id": "t-empty", "account_id": "acc_0123456789abcdef", "days": ["2026-11-20"]})
    assert client("alert_evaluator").post("/", headers=headers, data=body).status_code == 200
    # An account event for a tenant without channels: the alert is stored (history), with no channel to go to.
    account_event = {
        "type": "account.error",
        "tenant_id": "t1",
        "account_id": "acc_0123456789abcdef",
        "status": "error",
        "reason": "invalid x-api-key",
        "at": "2026-11-20T10:00:00+00:00",
    }
    headers, body = event(account_event)
    assert client("alert_account_events").post("/", headers=headers, data=body).status_code == 500  # no topic yet
    docs = list(firestore_client.collection("tenants").document("t1").collection("alerts").stream())
    assert [d.get("kind") for d in docs] == ["connection"] and docs[0].get("published") is False
    # Redelivered once the topic exists: the stored alert is published now (and only now marked so).
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    publisher.create_topic(name=publisher.topic_path(firestore_client.project, topology.TOPIC_ALERTS))
    assert client("alert_account_events").post("/", headers=headers, data=body).status_code == 200
    docs = list(firestore_client.collection("tenants").document("t1").collection("alerts").stream())
    assert len(docs) == 1 and docs[0].get("published") is True
    headers, body = event({"tick_at": None})
    assert client("alert_sweep").post("/", headers=headers, data=body).status_code == 200
    alert = {
        "id": "alr_" + "0" * 32,
        "tenant_id": "t1",
        "kind": "budget",
        "rule_id": "bud_1",
        "period": "2026-11",
        "threshold": "80",
        "severity": "warning",
        "title": "t",
        "message": "m",
        "channel_ids": ["chn_0123456789abcdef"],
        "created_at": "2026-11-20T10:00:00+00:00",
    }
    headers, body = event(alert)
    for name in ("alert_webhook", "alert_email"):  # the channel does not exist (deleted): nothing to do
        assert client(name).post("/", headers=headers, data=body).status_code == 200
