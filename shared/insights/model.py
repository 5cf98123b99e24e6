"""The records of savings advice: one recommendation, what it is about, and how sure it is. No storage, no HTTP."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from shared.domain.money import to_cents, usd

KIND_PROMPT_CACHING = "prompt_caching"
KIND_CACHE_DURATION = "cache_duration"
KIND_BATCH = "batch"
KIND_LONG_CONTEXT = "long_context"
KIND_RIGHT_SIZING = "right_sizing"
KIND_PRIORITY_TIER = "priority_tier"
KIND_UNPRICED_MODEL = "unpriced_model"
KIND_IDLE_KEY = "idle_key"
KIND_UNUSUAL_KEY = "unusual_key"
ADVICE_KINDS = (
    KIND_PROMPT_CACHING,
    KIND_CACHE_DURATION,
    KIND_BATCH,
    KIND_LONG_CONTEXT,
    KIND_RIGHT_SIZING,
    KIND_PRIORITY_TIER,
    KIND_UNPRICED_MODEL,
    KIND_IDLE_KEY,
    KIND_UNUSUAL_KEY,
)

Level = Literal["high", "medium", "low"]


@dataclass(frozen=True, slots=True)
class Scope:
    """What a recommendation is about: an account, and within it an API key, a workspace, a model (each
    None when the advice is not about one)."""

    account_id: str
    account_name: str
    provider: str
    api_key_id: str | None = None
    api_key_name: str | None = None
    workspace_id: str | None = None
    workspace_name: str | None = None
    model: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "account_id": self.account_id,
            "account_name": self.account_name,
            "provider": self.provider,
            "api_key_id": self.api_key_id,
            "api_key_name": self.api_key_name,
            "workspace_id": self.workspace_id,
            "workspace_name": self.workspace_name,
            "model": self.model,
        }


@dataclass(frozen=True, slots=True)
class Confidence:
    level: Level
    why: str


@dataclass(frozen=True, slots=True)
class Advice:
    """One recommendation.

    Attributes:
        period_savings: what the change would have saved over the period read, exact (USD).
        monthly_savings: ``period_savings`` scaled to 30 days, exact; shown rounded to the cent.
        evidence: the figures it rests on, JSON-ready (amounts as decimal strings).
        variant: what tells two recommendations of one kind and scope apart (``5m->1h`` and ``1h->5m``).
    """

    kind: str
    title: str
    scope: Scope
    evidence: dict[str, Any]
    period_savings: Decimal
    monthly_savings: Decimal
    confidence: Confidence
    method: str
    variant: str = ""
    actions: tuple[str, ...] = field(default_factory=tuple)

    @property
    def id(self) -> str:
        """Stable across periods and evaluations: the kind, the scope and the variant (what an alert about it
        is raised once for)."""
        s = self.scope
        parts = (self.kind, self.variant, s.account_id, s.api_key_id, s.workspace_id, s.model)
        digest = hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()
        return "adv_" + digest[:24]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "scope": self.scope.to_dict(),
            "evidence": self.evidence,
            "monthly_savings": usd(to_cents(self.monthly_savings)),
            "period_savings": usd(self.period_savings),
            "confidence": {"level": self.confidence.level, "why": self.confidence.why},
            "method": self.method,
            "actions": list(self.actions),
        }
