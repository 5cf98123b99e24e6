"""The provider plug-ins, and the one registry that names them (shared.providers.base says what one is)."""

from __future__ import annotations

from collections.abc import Mapping

from shared.domain.accounts import PROVIDER_NAMES
from shared.providers.anthropic import ANTHROPIC
from shared.providers.base import Provider
from shared.providers.openai import OPENAI

PROVIDERS: Mapping[str, Provider] = {p.name: p for p in (ANTHROPIC, OPENAI)}
"""Every provider an account can be connected to, by name."""
assert tuple(PROVIDERS) == PROVIDER_NAMES, "shared.domain.accounts.ProviderName must name every plug-in"


def provider(name: str) -> Provider:
    """The plug-in of a provider.

    Raises:
        KeyError: no such provider.
    """
    return PROVIDERS[name]


__all__ = ["PROVIDERS", "Provider", "provider"]
