"""`make run`'s alerting demo: a webhook channel to the local receiver and a budget low enough to fire.

The budget is created through the API like a user would; creating it asks the evaluator for an
evaluation, which finds the month's spend past $1 and raises the 100% alert; the webhook function
delivers it, signed, to the receiver, which checks the signature and prints it.
"""

from __future__ import annotations

from typing import Any

import httpx

from local.alert_receiver import AlertReceiver

CHANNEL_NAME = "Local receiver"
BUDGET_NAME = "Demo budget"
PATH = "/demo"


def setup_demo_alerts(api: str, headers: dict[str, str], receiver: AlertReceiver) -> str:
    """Create (or refresh) the demo channel and budget; returns what to tell the user."""

    def call(method: str, path: str, **kw: Any) -> Any:
        r = httpx.request(method, api + path, headers=headers, timeout=30, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
        return r.json() if r.content else None

    channels = [c for c in call("GET", "/v1/alert-channels")["channels"] if c["name"] == CHANNEL_NAME]
    if channels:  # a previous run's: its secret is not readable, so make a new one
        channel = call(
            "PATCH", f"/v1/alert-channels/{channels[0]['id']}", json={"rotate_secret": True, "url": receiver.url(PATH)}
        )
    else:
        channel = call(
            "POST", "/v1/alert-channels", json={"name": CHANNEL_NAME, "type": "webhook", "url": receiver.url(PATH)}
        )
    receiver.expect(PATH, channel["secret"])
    budgets = [b for b in call("GET", "/v1/budgets")["budgets"] if b["name"] == BUDGET_NAME]
    if budgets:
        call("PATCH", f"/v1/budgets/{budgets[0]['id']}", json={"amount_usd": "1"})
    else:
        call("POST", "/v1/budgets", json={"name": BUDGET_NAME, "amount_usd": "1", "period": "month"})
    return (
        f"  Alerts:    a webhook receiver on {receiver.url(PATH)} checks each alert's signature and prints it\n"
        f"             here (and in alert-receiver.log). The demo budget ($1 a month, far below the demo\n"
        f"             spend) fires at once: watch for '[alert-receiver] ... signature OK'. History:\n"
        f'    curl -s -H "Authorization: Bearer $TOKEN" {api}/v1/alerts'
    )
