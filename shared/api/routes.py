"""Every route of the API. A new group of endpoints adds its module's ROUTES here."""

from __future__ import annotations

from shared.api import routes_accounts, routes_usage
from shared.api.http import Route

ROUTES: tuple[Route, ...] = (
    *routes_accounts.ROUTES,
    *routes_usage.ROUTES,
)
