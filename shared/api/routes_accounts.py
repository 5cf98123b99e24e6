"""Accounts: connect, list, read, disconnect, sync now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from shared.api import models
from shared.api.http import ACCOUNT, Ctx, Route, json_response
from shared.domain.accounts import Account
from shared.providers import PROVIDERS
from shared.services.accounts import AccountService

KEY_REFUSED = (
    "Invalid input, or the key was refused: invalid_input (malformed), workspace_key, key_rejected (revoked or "
    "unknown to the provider), not_admin_key."
)
PROVIDER_DOWN = "The provider could not be reached to verify the key; nothing was stored. Try again."


def account_out(account: Account, now: datetime) -> dict[str, Any]:
    out = models.AccountOut(
        id=account.id,
        provider=account.provider,
        name=account.name,
        status=account.status,
        status_reason=account.status_reason,
        organization=models.OrganizationOut(id=account.organization_id, name=account.organization_name),
        key_hint=account.key_hint,
        created_at=account.created_at,
        last_sync_at=account.last_sync_at,
        last_success_at=account.last_success_at,
        next_sync_at=account.next_sync_at,
        synced_through=account.synced_through,
        history=models.HistoryProgress(**account.history_progress(now)),
        key_created_at=account.key_created_at,
        key_age_days=account.key_age_days(now),
        rotation_due=account.rotation_due(now),
        workspace_word=PROVIDERS[account.provider].workspace_word,
    )
    return out.model_dump(mode="json")


def _accounts(ctx: Ctx) -> AccountService:
    service = ctx.services.accounts()
    return service


def connect(ctx: Ctx) -> Response:
    ctx.only_params()
    body = ctx.body(models.ConnectAccountRequest)
    account = _accounts(ctx).connect(ctx.tenant_id, body.provider, body.name, body.api_key, actor=ctx.principal.user_id)
    return json_response(201, account_out(account, ctx.clock()), headers={"Location": f"/v1/accounts/{account.id}"})


def list_accounts(ctx: Ctx) -> Response:
    query = ctx.query(models.AccountListQuery)
    now = ctx.clock()
    accounts = _accounts(ctx).list(ctx.tenant_id, include_disconnected=query.include_disconnected)
    return json_response(200, {"accounts": [account_out(a, now) for a in accounts]})


def get_account(ctx: Ctx) -> Response:
    ctx.only_params()
    account = _accounts(ctx).get(ctx.tenant_id, ctx.account_id())
    return json_response(200, account_out(account, ctx.clock()))


def disconnect(ctx: Ctx) -> Response:
    query = ctx.query(models.DisconnectQuery)
    account = _accounts(ctx).disconnect(ctx.tenant_id, ctx.account_id(), purge=query.purge, actor=ctx.principal.user_id)
    return json_response(200, account_out(account, ctx.clock()))


def rotate(ctx: Ctx) -> Response:
    ctx.only_params()
    account_id = ctx.account_id()
    body = ctx.body(models.RotateKeyRequest)
    account = _accounts(ctx).rotate(ctx.tenant_id, account_id, body.api_key, actor=ctx.principal.user_id)
    return json_response(200, account_out(account, ctx.clock()))


def sync(ctx: Ctx) -> Response:
    ctx.only_params()
    return json_response(202, _accounts(ctx).request_sync(ctx.tenant_id, ctx.account_id()))


ROUTES: tuple[Route, ...] = (
    Route(
        "POST",
        "/v1/accounts",
        connect,
        "Connect a provider organization (the key is verified live).",
        write=True,
        status=201,
        response=models.AccountOut,
        body=models.ConnectAccountRequest,
        errors={
            409: "The same key, or the same organization, is connected already.",
            422: KEY_REFUSED,
            503: PROVIDER_DOWN,
        },
    ),
    Route(
        "GET",
        "/v1/accounts",
        list_accounts,
        "List connected accounts.",
        response=models.AccountList,
        query_model=models.AccountListQuery,
    ),
    Route(
        "GET",
        "/v1/accounts/{id}",
        get_account,
        "One account with its sync status and history progress.",
        response=models.AccountOut,
        path={"id": ACCOUNT},
    ),
    Route(
        "DELETE",
        "/v1/accounts/{id}",
        disconnect,
        "Disconnect: delete the key (every version) and stop syncing; history is kept unless purge=true.",
        write=True,
        response=models.AccountOut,
        query_model=models.DisconnectQuery,
        path={"id": ACCOUNT},
    ),
    Route(
        "POST",
        "/v1/accounts/{id}/rotate",
        rotate,
        "Replace the key with a new one of the same organization (verified live); history is kept.",
        write=True,
        response=models.AccountOut,
        body=models.RotateKeyRequest,
        path={"id": ACCOUNT},
        errors={
            409: "The key is the one connected already, or administers another organization, or the account "
            "is disconnected.",
            422: KEY_REFUSED,
            503: PROVIDER_DOWN,
        },
    ),
    Route(
        "POST",
        "/v1/accounts/{id}/sync",
        sync,
        "Start a sync now.",
        write=True,
        status=202,
        response=models.SyncAccepted,
        path={"id": ACCOUNT},
        errors={409: "The account is disconnected: connect it again to sync."},
    ),
)
