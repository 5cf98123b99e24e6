"""Tenants, plans, members and the audit log."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from shared.api import models
from shared.api.http import Ctx, PathParameter, Route, json_response, no_content
from shared.domain.tenancy import AuditEntry, Member, Tenant, check_history_days
from shared.services.tenancy import TenancyService

USER_ID = PathParameter(
    r"[^/.\x00-\x20\x7f-\x9f][^/\x00-\x1f\x7f-\x9f]{0,127}",
    "The member's user id (the token's subject): 1 to 128 characters, no slash, control character or "
    "leading dot or space.",
)
KEEP_AN_OWNER = "A tenant keeps at least one owner: make someone else owner first."


def _tenancy(ctx: Ctx) -> TenancyService:
    service = ctx.services.tenancy()
    return service


def tenant_out(t: Tenant) -> dict[str, Any]:
    r = t.retention
    retention = (
        models.RetentionOut(
            keep_days=r.keep_days,
            due_at=r.due_at,
            deletes_before=r.cutoff(r.due_at, t.history_days),
            scheduled_at=r.scheduled_at,
        )
        if r is not None
        else None
    )
    out = models.TenantOut(id=t.id, name=t.name, plan=t.plan, history_days=t.history_days, retention=retention)
    return out.model_dump(mode="json")


def member_out(m: Member) -> dict[str, Any]:
    return models.MemberOut(
        user_id=m.user_id, role=m.role, email=m.email, added_by=m.added_by, added_at=m.added_at
    ).model_dump(mode="json")


def audit_out(e: AuditEntry) -> dict[str, Any]:
    return models.AuditEntryOut(
        at=e.at, actor=e.actor, action=e.action, account_id=e.account_id, outcome=e.outcome, detail=e.detail
    ).model_dump(mode="json")


def me(ctx: Ctx) -> Response:
    ctx.only_params()
    assert ctx.identity is not None
    memberships = _tenancy(ctx).my_tenants(ctx.identity.user_id)
    return json_response(
        200,
        {
            "user_id": ctx.identity.user_id,
            "tenants": [{"id": t.id, "name": t.name, "role": m.role} for t, m in memberships],
        },
    )


def create_tenant(ctx: Ctx) -> Response:
    ctx.only_params()
    body = ctx.body(models.CreateTenantRequest)
    assert ctx.identity is not None
    tenant = _tenancy(ctx).create_tenant(body.id, body.name, ctx.identity.user_id, ctx.identity.email)
    return json_response(201, tenant_out(tenant))


def get_tenant(ctx: Ctx) -> Response:
    ctx.only_params()
    return json_response(200, tenant_out(_tenancy(ctx).tenant(ctx.tenant_id)))


def set_plan(ctx: Ctx) -> Response:
    ctx.only_params()
    body = ctx.body(models.PlanRequest)
    check_history_days(body.plan, body.history_days)
    accounts = ctx.services.accounts()
    grown = accounts.apply_plan(ctx.tenant_id, body.plan, body.history_days, ctx.principal.user_id)
    tenant = _tenancy(ctx).tenant(ctx.tenant_id)
    return json_response(200, {"tenant": tenant_out(tenant), "accounts_importing_older_history": grown})


def list_members(ctx: Ctx) -> Response:
    ctx.only_params()
    return json_response(200, {"members": [member_out(m) for m in _tenancy(ctx).members(ctx.tenant_id)]})


def put_member(ctx: Ctx) -> Response:
    ctx.only_params()
    user_id = ctx.params["user_id"]
    body = ctx.body(models.MemberRequest)
    member = _tenancy(ctx).set_member(ctx.tenant_id, ctx.principal.user_id, user_id, body.role, body.email)
    return json_response(200, member_out(member))


def delete_member(ctx: Ctx) -> Response:
    ctx.only_params()
    _tenancy(ctx).remove_member(ctx.tenant_id, ctx.principal.user_id, ctx.params["user_id"])
    return no_content()


def audit(ctx: Ctx) -> Response:
    query = ctx.query(models.AuditQuery)
    entries = _tenancy(ctx).audit_log(ctx.tenant_id, query.limit)
    return json_response(200, {"entries": [audit_out(e) for e in entries]})


ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/v1/me",
        me,
        "Who is signed in, and the tenants they belong to with their role in each (to pick a tenant).",
        tenant_scoped=False,
        response=models.MeOut,
    ),
    Route(
        "POST",
        "/v1/tenants",
        create_tenant,
        "Create a tenant; the caller becomes its owner.",
        tenant_scoped=False,
        status=201,
        response=models.TenantOut,
        body=models.CreateTenantRequest,
        errors={409: "The tenant id is taken."},
    ),
    Route("GET", "/v1/tenant", get_tenant, "The tenant: name, plan and history window.", response=models.TenantOut),
    Route(
        "PUT",
        "/v1/tenant/plan",
        set_plan,
        "Change the plan; a longer history window imports the older history in the background.",
        owner_only=True,
        response=models.PlanOut,
        body=models.PlanRequest,
        errors={403: "Not an owner, or history_days is more than the plan's window (the error says the window)."},
    ),
    Route("GET", "/v1/members", list_members, "Members and their roles.", response=models.MemberList),
    Route(
        "PUT",
        "/v1/members/{user_id}",
        put_member,
        "Add a member or change a role (owners only).",
        owner_only=True,
        response=models.MemberOut,
        body=models.MemberRequest,
        path={"user_id": USER_ID},
        errors={409: KEEP_AN_OWNER},
    ),
    Route(
        "DELETE",
        "/v1/members/{user_id}",
        delete_member,
        "Remove a member (owners only).",
        owner_only=True,
        status=204,
        path={"user_id": USER_ID},
        errors={409: KEEP_AN_OWNER},
    ),
    Route(
        "GET",
        "/v1/audit",
        audit,
        "Who connected, rotated and disconnected keys; failed verifications.",
        write=True,
        response=models.AuditList,
        query_model=models.AuditQuery,
    ),
)
