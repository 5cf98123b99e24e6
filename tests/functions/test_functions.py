"""Each function loaded the way the platform loads it (functions_framework.create_app) over the emulators."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cloudevents.conversion import to_structured
from cloudevents.http import CloudEvent
from functions_framework import create_app

from shared import bootstrap, topology

pytestmark = pytest.mark.emulators
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(project_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", project_id)
    monkeypatch.setenv("TM_MODE", "local")
    monkeypatch.setenv("TM_LOCAL_DIR", str(tmp_path))
    monkeypatch.setenv("ANTHROPIC_API_BASE_URL", "http://127.0.0.1:9")  # nothing listens: never called here
    from local.secret_manager_server import LocalSecretManager

    secret_manager = LocalSecretManager()
    secret_manager.start()
    monkeypatch.setenv("TM_SECRET_MANAGER_EMULATOR_HOST", secret_manager.host)
    from google.cloud import pubsub_v1

    publisher = pubsub_v1.PublisherClient()
    for topic in topology.TOPICS:  # the functions publish to them
        publisher.create_topic(name=publisher.topic_path(project_id, topic))
    for name in dir(bootstrap):
        fn = getattr(bootstrap, name)
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()
    yield
    secret_manager.stop()
    for name in dir(bootstrap):
        fn = getattr(bootstrap, name)
        if hasattr(fn, "cache_clear"):
            fn.cache_clear()


def client(name: str) -> Any:
    spec = next(f for f in topology.FUNCTIONS if f.name == name)
    app = create_app(spec.entry_point, str(ROOT / spec.source), spec.signature_type)
    return app.test_client()


def pubsub_event(payload: Any) -> tuple[dict[str, str], bytes]:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    event = CloudEvent(
        {"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//pubsub.googleapis.com/test"},
        {"message": {"data": base64.b64encode(data).decode(), "messageId": "1"}},
    )
    return to_structured(event)


@pytest.mark.parametrize("name", ["dispatcher", "collector", "costing"])
def test_malformed_messages_are_dropped_not_retried(env: None, name: str) -> None:
    headers, body = pubsub_event(b"not json at all")
    assert client(name).post("/", headers=headers, data=body).status_code == 200
    headers, body = pubsub_event({"unexpected": True})
    # the dispatcher's tick has no required field: an odd tick still dispatches (nothing is due)
    assert client(name).post("/", headers=headers, data=body).status_code == 200


def test_collect_request_for_an_unknown_account_is_acknowledged(env: None) -> None:
    headers, body = pubsub_event({"tenant_id": "t1", "account_id": "acc_0000000000000000", "reason": "manual"})
    assert client("collector").post("/", headers=headers, data=body).status_code == 200


def test_costing_prices_collected_days_and_skips_days_never_collected(env: None, firestore_client: Any) -> None:
    from shared.adapters import paths
    from shared.adapters.firestore import FirestoreLedgerUnitOfWork
    from shared.domain.usage import UsageBucket, hours_between

    tenant, account = "t1", "acc_0000000000000001"
    day = datetime(2026, 11, 1, tzinfo=UTC)
    with FirestoreLedgerUnitOfWork(firestore_client, tenant, account, lambda: day) as uow:
        uow.usage.put_hours([UsageBucket(h, ()) for h in hours_between(day, day + timedelta(days=1))])
        uow.commit()
    message = {
        "tenant_id": tenant,
        "account_id": account,
        "provider": "anthropic",
        "days": ["2026-11-01", "2026-11-02"],
    }
    headers, body = pubsub_event(message)
    assert client("costing").post("/", headers=headers, data=body).status_code == 200
    priced = paths.priced_day(firestore_client, tenant, account, day.date()).get()
    assert priced.exists and priced.get("row_count") == 0 and priced.get("hours_collected") == 24
    assert not paths.priced_day(firestore_client, tenant, account, date(2026, 11, 2)).get().exists  # never collected
    month = paths.priced_month(firestore_client, tenant, account, date(2026, 11, 1)).get()
    assert month.exists and month.get("days") == {"2026-11-01": priced.get("version")}
    # The old message shape (a start and an end) is malformed now: dropped, not retried.
    headers, body = pubsub_event({"tenant_id": tenant, "account_id": account, "start": "2026-11-01T00:00:00Z"})
    assert client("costing").post("/", headers=headers, data=body).status_code == 200


def test_api_function_answers_with_auth(env: None) -> None:
    api = client("api")
    assert api.get("/v1/openapi.json").status_code == 200
    r = api.get("/v1/accounts")
    assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthenticated"
    from shared.security.auth import LocalTokenIssuer

    issuer = LocalTokenIssuer(bootstrap.config().local_dir, bootstrap.config().auth_audience)
    r = api.get("/v1/accounts", headers={"Authorization": f"Bearer {issuer.issue('t9', user_id='u1')}"})
    assert r.status_code == 403  # signed in, but not a member of t9
    r = api.post(
        "/v1/tenants",
        headers={"Authorization": f"Bearer {issuer.issue(None, user_id='u1')}"},
        json={"id": "t9", "name": "T9"},
    )
    assert r.status_code == 201
    r = api.get("/v1/accounts", headers={"Authorization": f"Bearer {issuer.issue('t9', user_id='u1')}"})
    assert r.status_code == 200 and r.get_json() == {"accounts": []}
