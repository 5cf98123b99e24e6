"""Firestore adapters for tenants, members, the audit log and purging an account's data (all of it, or
the days before a retention cutoff)."""

from __future__ import annotations

import secrets as pysecrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.adapters import paths
from shared.adapters.codec import utc_timestamp
from shared.domain.priced import month_of
from shared.domain.tenancy import AuditEntry, Member, Retention, Tenant


class FirestoreTenantStore:
    def __init__(self, client: firestore.Client):
        self.db = client

    def _tenant(self, tenant_id: str) -> Any:
        return paths.tenant(self.db, tenant_id)

    def get_tenant(self, tenant_id: str) -> Tenant | None:
        snap = self._tenant(tenant_id).get()
        if not snap.exists:
            return None
        d = snap.to_dict() or {}
        return _tenant(tenant_id, d)

    def create_tenant(self, tenant: Tenant, owner: Member) -> bool:
        ref = self._tenant(tenant.id)
        transaction = self.db.transaction()

        @firestore.transactional
        def create(txn: Any) -> bool:
            snap = ref.get(transaction=txn)
            if snap.exists and (snap.to_dict() or {}).get("plan"):
                return False
            txn.set(
                ref,
                {
                    "id": tenant.id,
                    "name": tenant.name,
                    "plan": tenant.plan,
                    "history_days_override": tenant.history_days_override,
                    "created_at": tenant.created_at,
                },
                merge=True,
            )
            txn.set(ref.collection(paths.MEMBERS).document(owner.user_id), self._member_doc(owner))
            return True

        return bool(create(transaction))

    def set_plan(self, tenant_id: str, plan: str, history_days_override: int | None) -> None:
        self._tenant(tenant_id).set({"plan": plan, "history_days_override": history_days_override}, merge=True)

    def set_retention(self, tenant_id: str, retention: Retention | None) -> None:
        value = None
        if retention is not None:
            value = {
                "keep_days": retention.keep_days,
                "due_at": retention.due_at,
                "scheduled_at": retention.scheduled_at,
            }
        self._tenant(tenant_id).set({"retention": value}, merge=True)

    def retention_due(self, now: datetime) -> list[Tenant]:
        query = self.db.collection(paths.TENANTS).where(filter=FieldFilter("retention.due_at", "<=", now))
        return [_tenant(snap.id, snap.to_dict() or {}) for snap in query.stream()]

    @staticmethod
    def _member_doc(m: Member) -> dict[str, Any]:
        return {"user_id": m.user_id, "role": m.role, "email": m.email, "added_by": m.added_by, "added_at": m.added_at}

    @staticmethod
    def _member(d: dict[str, Any]) -> Member:
        return Member(
            user_id=d["user_id"],
            role=d["role"],
            email=d.get("email"),
            added_by=d.get("added_by"),
            added_at=utc_timestamp(d.get("added_at")),
        )

    def get_member(self, tenant_id: str, user_id: str) -> Member | None:
        snap = self._tenant(tenant_id).collection(paths.MEMBERS).document(user_id).get()
        return self._member(snap.to_dict() or {}) if snap.exists else None

    def list_members(self, tenant_id: str) -> list[Member]:
        docs = self._tenant(tenant_id).collection(paths.MEMBERS).stream()
        return sorted((self._member(d.to_dict() or {}) for d in docs), key=lambda m: m.user_id)

    def put_member(self, tenant_id: str, member: Member) -> None:
        self._tenant(tenant_id).collection(paths.MEMBERS).document(member.user_id).set(self._member_doc(member))

    def remove_member(self, tenant_id: str, user_id: str) -> None:
        self._tenant(tenant_id).collection(paths.MEMBERS).document(user_id).delete()

    def memberships_of(self, user_id: str) -> list[tuple[Tenant, Member]]:
        # Collection-group query over every tenant's members: its index is declared in infra/.
        query = self.db.collection_group(paths.MEMBERS).where(filter=firestore.FieldFilter("user_id", "==", user_id))
        out = []
        for snap in query.stream():
            tenant_id = snap.reference.parent.parent.id
            tenant = self.get_tenant(tenant_id)
            if tenant is not None:
                out.append((tenant, self._member(snap.to_dict() or {})))
        return sorted(out, key=lambda tm: tm[0].id)


class FirestoreAuditLog:
    def __init__(self, client: firestore.Client):
        self.db = client

    def record(self, entry: AuditEntry) -> None:
        # Time-sortable id, unique even within one microsecond.
        doc_id = entry.at.strftime("%Y%m%dT%H%M%S%fZ") + "-" + pysecrets.token_hex(4)
        paths.tenant_collection(self.db, entry.tenant_id, paths.AUDIT).document(doc_id).set(
            {
                "at": entry.at,
                "actor": entry.actor,
                "action": entry.action,
                "account_id": entry.account_id,
                "outcome": entry.outcome,
                "detail": entry.detail,
            }
        )

    def entries(self, tenant_id: str, limit: int) -> list[AuditEntry]:
        col = paths.tenant_collection(self.db, tenant_id, paths.AUDIT)
        snaps = col.order_by("at", direction=firestore.Query.DESCENDING).limit(limit).stream()
        out = []
        for s in snaps:
            d = s.to_dict() or {}
            at = utc_timestamp(d.get("at"))
            assert at is not None
            out.append(
                AuditEntry(
                    tenant_id=tenant_id,
                    at=at,
                    actor=d.get("actor", ""),
                    action=d.get("action", ""),
                    account_id=d.get("account_id"),
                    outcome=d.get("outcome", "ok"),
                    detail=dict(d.get("detail") or {}),
                )
            )
        return out


def _tenant(tenant_id: str, d: dict[str, Any]) -> Tenant:
    retention = d.get("retention")
    return Tenant(
        id=tenant_id,
        name=d.get("name", ""),
        plan=d.get("plan") or "free",
        history_days_override=d.get("history_days_override"),
        created_at=utc_timestamp(d.get("created_at")),
        retention=Retention(
            keep_days=int(retention["keep_days"]),
            due_at=utc_timestamp(retention["due_at"]) or datetime.min.replace(tzinfo=UTC),
            scheduled_at=utc_timestamp(retention["scheduled_at"]) or datetime.min.replace(tzinfo=UTC),
        )
        if isinstance(retention, dict)
        else None,
    )


class FirestoreUsagePurger:
    def __init__(self, client: firestore.Client):
        self.db = client

    def purge_account_data(self, tenant_id: str, account_id: str) -> int:
        deleted = 0
        for name in paths.ACCOUNT_DATA:
            deleted += int(self.db.recursive_delete(paths.account_collection(self.db, tenant_id, account_id, name)))
        return deleted

    def purge_before(self, tenant_id: str, account_id: str, first: date, cutoff: date) -> int:
        # By id, no query: every day (and month) from the oldest the account can hold up to the cutoff.
        refs = []
        day = first
        while day < cutoff:
            for name in (paths.USAGE_DAYS, paths.PRICED_DAYS):
                refs.append(paths.account_collection(self.db, tenant_id, account_id, name).document(paths.day_id(day)))
            if day.day == 1 and month_of(day) < month_of(cutoff):
                months = paths.account_collection(self.db, tenant_id, account_id, paths.PRICED_MONTHS)
                refs.append(months.document(paths.month_id(day)))
            day += timedelta(days=1)
        months = paths.account_collection(self.db, tenant_id, account_id, paths.PRICED_MONTHS)
        if first.day != 1 and month_of(first) < month_of(cutoff):
            refs.append(months.document(paths.month_id(first)))
        deleted = 0
        for i in range(0, len(refs), 400):
            batch = self.db.batch()
            for ref in refs[i : i + 400]:
                batch.delete(ref)
            batch.commit()
            deleted += len(refs[i : i + 400])
        return deleted
