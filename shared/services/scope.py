"""Which of a tenant's accounts a query covers."""

from __future__ import annotations

from collections.abc import Callable

from shared.domain.accounts import Account
from shared.errors import NotFound
from shared.ports import AccountStore


def accounts_in_scope(
    store: AccountStore,
    tenant_id: str,
    account_id: str | None,
    keep: Callable[[Account], bool] = lambda a: True,
) -> list[Account]:
    """The tenant's accounts (those ``keep`` accepts), or only ``account_id``.

    Raises:
        NotFound: ``account_id`` is not one of them; the same answer whether it exists in another tenant
            or nowhere, so nothing leaks about other tenants.
    """
    accounts = [a for a in store.list(tenant_id) if keep(a)]
    if account_id is None:
        return accounts
    accounts = [a for a in accounts if a.id == account_id]
    if not accounts:
        raise NotFound(f"no account {account_id}", field="account_id")
    return accounts
