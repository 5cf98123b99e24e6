"""Tenants and their members: creating a tenant, managing members (owners only), reading the audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.domain.tenancy import ROLES, AuditEntry, Member, Tenant
from shared.errors import Conflict, InvalidInput, NotFound
from shared.ports import AuditLog, TenantStore
from shared.security.auth import TENANT_ID


@dataclass
class TenancyService:
    tenants: TenantStore
    audit: AuditLog
    memberships: Any  # MembershipCache: forget() after a change so it applies at once
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def create_tenant(self, tenant_id: str, name: str, owner_id: str, owner_email: str | None) -> Tenant:
        if not TENANT_ID.match(tenant_id):
            raise InvalidInput(
                "id must be 2-63 lowercase letters, digits or dashes, starting with a letter or digit", field="id"
            )
        now = self.clock()
        tenant = Tenant(id=tenant_id, name=name, plan="free", created_at=now)
        owner = Member(owner_id, "owner", owner_email, owner_id, now)
        if not self.tenants.create_tenant(tenant, owner):
            raise Conflict(f"tenant id {tenant_id!r} is taken", field="id")
        self.audit.record(AuditEntry(tenant_id, now, owner_id, "tenant_created", None, "ok", {"name": name}))
        self.memberships.forget(tenant_id, owner_id)
        return tenant

    def my_tenants(self, user_id: str) -> list[tuple[Tenant, Member]]:
        """The tenants a signed-in user belongs to (to pick one), with the user's role in each."""
        return self.tenants.memberships_of(user_id)

    def tenant(self, tenant_id: str) -> Tenant:
        tenant = self.tenants.get_tenant(tenant_id)
        if tenant is None:
            raise NotFound("no such tenant", field="tenant")
        return tenant

    def members(self, tenant_id: str) -> list[Member]:
        return self.tenants.list_members(tenant_id)

    def set_member(self, tenant_id: str, actor: str, user_id: str, role: str, email: str | None) -> Member:
        if role not in ROLES:
            raise InvalidInput(f"role must be one of {', '.join(ROLES)}", field="role")
        current = self.tenants.get_member(tenant_id, user_id)
        if current is not None and current.role == "owner" and role != "owner":
            self._keep_an_owner(tenant_id, user_id)
        member = Member(user_id, role, email, actor, self.clock())
        self.tenants.put_member(tenant_id, member)
        self.memberships.forget(tenant_id, user_id)
        self.audit.record(
            AuditEntry(tenant_id, self.clock(), actor, "member_set", None, "ok", {"user_id": user_id, "role": role})
        )
        return member

    def remove_member(self, tenant_id: str, actor: str, user_id: str) -> None:
        current = self.tenants.get_member(tenant_id, user_id)
        if current is None:
            raise NotFound(f"no member {user_id[:64]!r}", field="user_id")
        if current.role == "owner":
            self._keep_an_owner(tenant_id, user_id)
        self.tenants.remove_member(tenant_id, user_id)
        self.memberships.forget(tenant_id, user_id)
        self.audit.record(
            AuditEntry(tenant_id, self.clock(), actor, "member_removed", None, "ok", {"user_id": user_id})
        )

    def _keep_an_owner(self, tenant_id: str, leaving: str) -> None:
        owners = [m for m in self.tenants.list_members(tenant_id) if m.role == "owner" and m.user_id != leaving]
        if not owners:
            raise Conflict("a tenant keeps at least one owner; make someone else owner first", field="role")

    def audit_log(self, tenant_id: str, limit: int) -> list[AuditEntry]:
        return self.audit.entries(tenant_id, limit)
