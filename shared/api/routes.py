"""Every route of the API. A new group of endpoints adds its module's ROUTES here."""

from __future__ import annotations

from shared.api import (
    routes_accounts,
    routes_alerts,
    routes_explain,
    routes_insights,
    routes_reconciliation,
    routes_settings,
    routes_tenancy,
    routes_usage,
)
from shared.api.http import Route

ROUTES: tuple[Route, ...] = (
    *routes_accounts.ROUTES,
    *routes_tenancy.ROUTES,
    *routes_usage.ROUTES,
    *routes_reconciliation.ROUTES,
    *routes_explain.ROUTES,
    *routes_settings.ROUTES,
    *routes_alerts.ROUTES,
    *routes_insights.ROUTES,
)
