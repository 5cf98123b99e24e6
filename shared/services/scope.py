"""Which of a tenant's accounts a query covers."""

from __future__ import annotations

from collections.abc import Callable

from shared.domain.accounts import Account
from shared.errors import InvalidInput, NotFound
from shared.ports import AccountStore
from shared.providers import PROVIDERS


def accounts_in_scope(
    store: AccountStore,
    tenant_id: str,
    account_id: str | None,
    keep: Callable[[Account], bool] = lambda a: True,
    provider: str | None = None,
) -> list[Account]:
    """The tenant's accounts (those ``keep`` accepts, of ``provider`` if given), or only ``account_id``.

    Raises:
        InvalidInput: ``provider`` is not a provider we know.
        NotFound: ``account_id`` is not one of them; the same answer whether it exists in another tenant
            or nowhere, so nothing leaks about other tenants.
    """
    if provider is not None and provider not in PROVIDERS:
        raise InvalidInput(f"provider must be one of {', '.join(PROVIDERS)}", field="provider")
    accounts = [a for a in store.list(tenant_id) if keep(a) and (provider is None or a.provider == provider)]
    if account_id is None:
        return accounts
    accounts = [a for a in accounts if a.id == account_id]
    if not accounts:
        raise NotFound(f"no account {account_id}", field="account_id")
    return accounts
