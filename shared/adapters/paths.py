"""Where everything is stored in Firestore: the one place collection and document paths are built.

Every path is scoped by tenant::

    tenants/{tenant}                                          the tenant: plan, settings, alerting flag
    tenants/{tenant}/members/{user}                           membership and role
    tenants/{tenant}/audit/{time-id}                          the audit log
    tenants/{tenant}/budgets/{id}, alert_channels/{id}        alerting rules and targets
    tenants/{tenant}/alerts/{id}/deliveries/{channel}         raised alerts and each delivery
    tenants/{tenant}/accounts/{account}                       the account and its sync state
    tenants/{tenant}/accounts/{account}/usage_days/{YYYY-MM-DD}     raw provider rows, one field per hour, and
                                                                    the provider's billed ledger of the day
    tenants/{tenant}/accounts/{account}/priced_days/{YYYY-MM-DD}    the day's priced rows and their hours
    tenants/{tenant}/accounts/{account}/priced_months/{YYYY-MM}     the month's rollup of its priced days
    tenants/{tenant}/accounts/{account}/meta/{names|pricing}        display names; re-pricing state

Ids derive from what the document is, so every write is an idempotent overwrite. `ACCOUNT_DATA` lists
every collection under an account: purging an account deletes exactly these, so a new collection added
here cannot be forgotten by purge.
"""

from __future__ import annotations

from datetime import date
from typing import Any

TENANTS = "tenants"
ACCOUNTS = "accounts"
MEMBERS = "members"
AUDIT = "audit"
BUDGETS = "budgets"
ALERT_CHANNELS = "alert_channels"
ALERTS = "alerts"
DELIVERIES = "deliveries"

USAGE_DAYS = "usage_days"
PRICED_DAYS = "priced_days"
PRICED_MONTHS = "priced_months"
META = "meta"
NAMES_DOC = "names"
PRICING_DOC = "pricing"

ACCOUNT_DATA: tuple[str, ...] = (USAGE_DAYS, PRICED_DAYS, PRICED_MONTHS, META)
"""Every collection under an account document (what purging an account deletes)."""


def day_id(day: date) -> str:
    return day.isoformat()


def month_id(month: date) -> str:
    return month.strftime("%Y-%m")


def tenant(db: Any, tenant_id: str) -> Any:
    return db.collection(TENANTS).document(tenant_id)


def tenant_collection(db: Any, tenant_id: str, name: str) -> Any:
    return tenant(db, tenant_id).collection(name)


def account(db: Any, tenant_id: str, account_id: str) -> Any:
    return tenant(db, tenant_id).collection(ACCOUNTS).document(account_id)


def account_collection(db: Any, tenant_id: str, account_id: str, name: str) -> Any:
    if name not in ACCOUNT_DATA:
        raise ValueError(f"{name!r} is not an account collection: add it to ACCOUNT_DATA (purge deletes those)")
    return account(db, tenant_id, account_id).collection(name)


def usage_day(db: Any, tenant_id: str, account_id: str, day: date) -> Any:
    return account_collection(db, tenant_id, account_id, USAGE_DAYS).document(day_id(day))


def priced_day(db: Any, tenant_id: str, account_id: str, day: date) -> Any:
    return account_collection(db, tenant_id, account_id, PRICED_DAYS).document(day_id(day))


def priced_month(db: Any, tenant_id: str, account_id: str, month: date) -> Any:
    return account_collection(db, tenant_id, account_id, PRICED_MONTHS).document(month_id(month))


def meta(db: Any, tenant_id: str, account_id: str, name: str) -> Any:
    return account_collection(db, tenant_id, account_id, META).document(name)
