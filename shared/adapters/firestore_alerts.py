"""Firestore adapters for alerting (paths: shared.adapters.paths).

The tenant document has ``alerting: true`` once alerting is set up; an alert's id is
hash(rule, period, threshold). Queries: alerts by created_at (descending), optionally with kind ==
(composite index in infra/).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from google.api_core import exceptions
from google.cloud import firestore

from shared.adapters import paths
from shared.adapters.codec import utc_timestamp
from shared.alerts.model import (
    DELIVERY_DELIVERED,
    DELIVERY_SENDING,
    Alert,
    Budget,
    Channel,
    Delivery,
)
from shared.alerts.ports import Claim
from shared.domain.money import parse_usd, usd


def _must_utc(value: Any) -> datetime:
    out = utc_timestamp(value)
    if out is None:
        raise TypeError("expected a timestamp, got None")
    return out


class _Base:
    def __init__(self, client: firestore.Client):
        self.db = client

    def _tenant(self, tenant_id: str) -> Any:
        return paths.tenant(self.db, tenant_id)


def budget_to_doc(b: Budget) -> dict[str, Any]:
    return {
        "tenant_id": b.tenant_id,
        "id": b.id,
        "name": b.name,
        "amount_usd": usd(b.amount),
        "period": b.period,
        "scope": b.scope,
        "scope_id": b.scope_id,
        "thresholds": list(b.thresholds),
        "forecast": b.forecast,
        "channel_ids": list(b.channel_ids),
        "enabled": b.enabled,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
    }


def budget_from_doc(d: dict[str, Any]) -> Budget:
    return Budget(
        tenant_id=d["tenant_id"],
        id=d["id"],
        name=d["name"],
        amount=parse_usd(d["amount_usd"]),
        period=d["period"],
        scope=d["scope"],
        scope_id=d.get("scope_id"),
        thresholds=tuple(int(t) for t in d.get("thresholds") or ()),
        forecast=bool(d.get("forecast", True)),
        channel_ids=tuple(d.get("channel_ids") or ()),
        enabled=bool(d.get("enabled", True)),
        created_at=_must_utc(d["created_at"]),
        updated_at=_must_utc(d.get("updated_at") or d["created_at"]),
    )


def channel_to_doc(c: Channel) -> dict[str, Any]:
    return {
        "tenant_id": c.tenant_id,
        "id": c.id,
        "name": c.name,
        "type": c.type,
        "kinds": list(c.kinds),
        "enabled": c.enabled,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "url": c.url,
        "format": c.format,
        "emails": list(c.emails),
        "sealed_secret": c.sealed_secret,
        "secret_hint": c.secret_hint,
        "sealed_url": c.sealed_url,
        "url_hint": c.url_hint,
    }


def channel_from_doc(d: dict[str, Any]) -> Channel:
    return Channel(
        tenant_id=d["tenant_id"],
        id=d["id"],
        name=d["name"],
        type=d["type"],
        kinds=tuple(d.get("kinds") or ()),
        enabled=bool(d.get("enabled", True)),
        created_at=_must_utc(d["created_at"]),
        updated_at=_must_utc(d.get("updated_at") or d["created_at"]),
        url=d.get("url"),
        format=d.get("format") or "json",
        emails=tuple(d.get("emails") or ()),
        sealed_secret=d.get("sealed_secret"),
        secret_hint=d.get("secret_hint") or "",
        sealed_url=d.get("sealed_url"),
        url_hint=d.get("url_hint"),
    )


def alert_to_doc(a: Alert) -> dict[str, Any]:
    return {
        "tenant_id": a.tenant_id,
        "id": a.id,
        "kind": a.kind,
        "rule_id": a.rule_id,
        "period": a.period,
        "threshold": a.threshold,
        "severity": a.severity,
        "title": a.title,
        "message": a.message,
        "created_at": a.created_at,
        "details": a.details,
        "channel_ids": list(a.channel_ids),
        "published": a.published,
        "test": a.test,
    }


def alert_from_doc(d: dict[str, Any]) -> Alert:
    return Alert(
        tenant_id=d["tenant_id"],
        id=d["id"],
        kind=d["kind"],
        rule_id=d["rule_id"],
        period=d["period"],
        threshold=d["threshold"],
        severity=d["severity"],
        title=d["title"],
        message=d["message"],
        created_at=_must_utc(d["created_at"]),
        details=dict(d.get("details") or {}),
        channel_ids=tuple(d.get("channel_ids") or ()),
        published=bool(d.get("published", False)),
        test=bool(d.get("test", False)),
    )


def delivery_from_doc(d: dict[str, Any]) -> Delivery:
    return Delivery(
        alert_id=d["alert_id"],
        channel_id=d["channel_id"],
        channel_type=d.get("channel_type", ""),
        status=d.get("status", ""),
        attempts=int(d.get("attempts", 0)),
        last_error=d.get("last_error"),
        last_attempt_at=utc_timestamp(d.get("last_attempt_at")),
        delivered_at=utc_timestamp(d.get("delivered_at")),
        duplicates_skipped=int(d.get("duplicates_skipped", 0)),
    )


class FirestoreBudgetStore(_Base):
    def _col(self, tenant_id: str) -> Any:
        return self._tenant(tenant_id).collection(paths.BUDGETS)

    def create(self, budget: Budget) -> None:
        self._col(budget.tenant_id).document(budget.id).create(budget_to_doc(budget))

    def get(self, tenant_id: str, budget_id: str) -> Budget | None:
        snap = self._col(tenant_id).document(budget_id).get()
        return budget_from_doc(snap.to_dict() or {}) if snap.exists else None

    def list(self, tenant_id: str) -> list[Budget]:
        return [budget_from_doc(s.to_dict() or {}) for s in self._col(tenant_id).stream()]

    def save(self, budget: Budget) -> None:
        self._col(budget.tenant_id).document(budget.id).set(budget_to_doc(budget))

    def delete(self, tenant_id: str, budget_id: str) -> bool:
        ref = self._col(tenant_id).document(budget_id)
        if not ref.get().exists:
            return False
        ref.delete()
        return True


class FirestoreChannelStore(_Base):
    def _col(self, tenant_id: str) -> Any:
        return self._tenant(tenant_id).collection(paths.ALERT_CHANNELS)

    def create(self, channel: Channel) -> None:
        self._col(channel.tenant_id).document(channel.id).create(channel_to_doc(channel))

    def get(self, tenant_id: str, channel_id: str) -> Channel | None:
        snap = self._col(tenant_id).document(channel_id).get()
        return channel_from_doc(snap.to_dict() or {}) if snap.exists else None

    def list(self, tenant_id: str) -> list[Channel]:
        return [channel_from_doc(s.to_dict() or {}) for s in self._col(tenant_id).stream()]

    def save(self, channel: Channel) -> None:
        self._col(channel.tenant_id).document(channel.id).set(channel_to_doc(channel))

    def delete(self, tenant_id: str, channel_id: str) -> bool:
        ref = self._col(tenant_id).document(channel_id)
        if not ref.get().exists:
            return False
        ref.delete()
        return True

    def mark_alerting(self, tenant_id: str) -> None:
        self._tenant(tenant_id).set({"id": tenant_id, "alerting": True}, merge=True)

    def alerting_tenants(self) -> builtins.list[str]:
        query = self.db.collection(paths.TENANTS).where(filter=firestore.FieldFilter("alerting", "==", True))
        return sorted(s.id for s in query.stream())


class FirestoreAlertStore(_Base):
    def _col(self, tenant_id: str) -> Any:
        return self._tenant(tenant_id).collection(paths.ALERTS)

    def _delivery(self, tenant_id: str, alert_id: str, channel_id: str) -> Any:
        return self._col(tenant_id).document(alert_id).collection(paths.DELIVERIES).document(channel_id)

    def create_if_absent(self, alert: Alert) -> bool:
        try:
            self._col(alert.tenant_id).document(alert.id).create(alert_to_doc(alert))
        except exceptions.AlreadyExists:
            return False
        return True

    def get(self, tenant_id: str, alert_id: str) -> Alert | None:
        snap = self._col(tenant_id).document(alert_id).get()
        return alert_from_doc(snap.to_dict() or {}) if snap.exists else None

    def existing(self, tenant_id: str, alert_ids: Sequence[str]) -> dict[str, bool]:
        refs = [self._col(tenant_id).document(a) for a in alert_ids]
        if not refs:
            return {}
        snaps = self.db.get_all(refs, field_paths=["published"])
        return {s.id: bool((s.to_dict() or {}).get("published")) for s in snaps if s.exists}

    def mark_published(self, tenant_id: str, alert_id: str) -> None:
        self._col(tenant_id).document(alert_id).update({"published": True})

    def list(self, tenant_id: str, limit: int, kind: str | None = None) -> builtins.list[Alert]:
        query = self._col(tenant_id)
        if kind is not None:
            query = query.where(filter=firestore.FieldFilter("kind", "==", kind))
        query = query.order_by("created_at", direction=firestore.Query.DESCENDING).limit(limit)
        return [alert_from_doc(s.to_dict() or {}) for s in query.stream()]

    def claim_delivery(
        self, tenant_id: str, alert_id: str, channel_id: str, channel_type: str, now: datetime, lease_until: datetime
    ) -> Claim:
        ref = self._delivery(tenant_id, alert_id, channel_id)
        transaction = self.db.transaction()

        @firestore.transactional
        def claim(txn: Any) -> Claim:
            snap = ref.get(transaction=txn)
            data = (snap.to_dict() or {}) if snap.exists else {}
            status = data.get("status")
            if status == DELIVERY_DELIVERED:
                return Claim("done")
            lease = utc_timestamp(data.get("lease_until"))
            if status == DELIVERY_SENDING and lease is not None and lease > now:
                return Claim("busy")
            attempt = int(data.get("attempts", 0)) + 1
            txn.set(
                ref,
                {
                    "tenant_id": tenant_id,
                    "alert_id": alert_id,
                    "channel_id": channel_id,
                    "channel_type": channel_type,
                    "status": DELIVERY_SENDING,
                    "attempts": attempt,
                    "lease_until": lease_until,
                    "last_attempt_at": now,
                },
                merge=True,
            )
            return Claim("go", attempt)

        result: Claim = claim(transaction)
        return result

    def finish_delivery(
        self, tenant_id: str, alert_id: str, channel_id: str, status: str, now: datetime, error: str | None
    ) -> None:
        changes: dict[str, Any] = {"status": status, "lease_until": None, "last_error": error}
        if status == DELIVERY_DELIVERED:
            changes["delivered_at"] = now
        self._delivery(tenant_id, alert_id, channel_id).update(changes)

    def note_duplicate(self, tenant_id: str, alert_id: str, channel_id: str) -> None:
        self._delivery(tenant_id, alert_id, channel_id).update({"duplicates_skipped": firestore.Increment(1)})

    def deliveries(self, tenant_id: str, alerts: Sequence[Alert]) -> dict[str, builtins.list[Delivery]]:
        refs = [self._delivery(tenant_id, a.id, c) for a in alerts for c in a.channel_ids]
        out: dict[str, builtins.list[Delivery]] = {}
        for snap in self.db.get_all(refs) if refs else []:
            if snap.exists:
                d = delivery_from_doc(snap.to_dict() or {})
                out.setdefault(d.alert_id, []).append(d)
        for values in out.values():
            values.sort(key=lambda d: d.channel_id)
        return out
