"""Response shapes of what-if, alternatives and savings advice. Money is USD as exact decimal strings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.api.http import ACCOUNT_ID
from shared.api.models import CoverageOut, IsoDate, ProvisionalOut, Query, SelectionParams, Tokens

Money = str
"""USD as an exact decimal string."""


class WhatIfParams(SelectionParams):
    target_model: str = Field(
        min_length=1,
        max_length=200,
        description="A catalogue model id of any provider (gpt-5, claude-sonnet-4-6), or provider/model.",
    )


class AdviceParams(Query):
    from_: IsoDate | None = Field(None, alias="from", description="First UTC day (default: 30 days before to).")
    to: IsoDate | None = Field(None, description="Last UTC day (default: yesterday).")
    account_id: Annotated[str, Field(pattern=ACCOUNT_ID.pattern)] | None = Field(None, description="Only this account.")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Band(_Strict):
    """A figure that depends on how many tokens the same text is on the target's tokenizer."""

    low: Money
    expected: Money
    high: Money


class TokenizerOut(_Strict):
    known: bool = Field(description="The reviewed table (tokenizers.json) has a ratio for the pair; else 1:1.")
    derived: bool = Field(description="Composed through a third family, or the inverse of a published ratio.")
    low: str = Field(description="Target tokens per source token for the same text (decimal).")
    expected: str
    high: str


class NotComparableLine(_Strict):
    usage_class: str = Field(description="The usage class, or 'all' when the whole row has no price on a side.")
    quantity: int = Field(description="Tokens, or units for per-unit classes.")
    actual_cost: Money | None = Field(
        description="What it cost on the source (left out of both sides); null when the source has no price."
    )
    reason: str


class ClassMapping(_Strict):
    from_: str = Field(alias="from")
    to: str


class ModelWhatIfOut(_Strict):
    provider: str
    model: str = Field(description="The source model as the provider reports it.")
    model_ref: str | None = Field(description="The catalogue's id for it (null when wholly unpriced).")
    comparable: bool = Field(description="Some of its usage has a price on both sides.")
    days: int = Field(description="UTC days with usage of this model.")
    tokens: Tokens = Field(description="Source quantities per usage class.")
    target_tokens: Tokens = Field(
        description="The comparable quantities in the target's classes, before the tokenizer ratio."
    )
    actual_cost: Money | None = Field(
        description="The priced part of the model's usage; null when the model has no price on the source."
    )
    compared_actual_cost: Money = Field(description="The part of actual_cost that has a price on the target.")
    target_cost: Band = Field(description="compared usage on the target: token costs times the tokenizer ratio.")
    difference: Band = Field(description="target_cost - compared_actual_cost (negative: the target is cheaper).")
    tokenizer: TokenizerOut
    not_comparable: list[NotComparableLine]
    notes: list[str] = Field(description="Tier, speed, geography and context mappings applied.")
    mapping: list[ClassMapping] = Field(description="Source class -> target class (empty within one provider).")


class WhatIfTotals(_Strict):
    actual_cost: Money
    compared_actual_cost: Money
    target_cost: Band
    difference: Band
    not_comparable_actual_cost: Money


class TargetOut(_Strict):
    provider: Literal["anthropic", "openai"]
    model: str
    model_ref: str


class NotComparableModelLine(NotComparableLine):
    provider: str
    model: str


class WhatIfResponse(_Strict):
    from_: str = Field(alias="from")
    to: str
    time_zone: str
    currency: Literal["USD"]
    filters: dict[str, list[str | None]]
    account_ids: list[str]
    target: TargetOut
    models: list[ModelWhatIfOut] = Field(description="Per source model, by actual cost.")
    not_comparable: list[NotComparableModelLine] = Field(description="Every part left out, with why.")
    totals: WhatIfTotals
    method: str
    catalogue_version: str
    provisional: ProvisionalOut
    coverage: CoverageOut
    documents_read: int


class SourceOut(_Strict):
    url: str
    seen: str
    what: str


class AlternativeOut(_Strict):
    provider: str
    model: str
    comparable: bool
    compared_actual_cost: Money
    target_cost: Band
    savings: Band = Field(description="compared_actual_cost - target_cost (low: at the target's high cost).")
    monthly_savings_expected: Money = Field(
        description="Expected savings scaled from the period to 30 days, rounded to the cent."
    )
    similarity: Literal["same_model", "similar"]
    basis: Literal["provider", "benchmark"]
    evidence: str
    caveats: str
    sources: list[SourceOut]
    tokenizer: TokenizerOut
    not_comparable: list[NotComparableLine]
    notes: list[str]


class SuggestedModel(_Strict):
    provider: str
    model: str
    model_ref: str
    actual_cost: Money
    alternatives: list[AlternativeOut] = Field(description="Comparable ones first, largest expected savings first.")


class UnassessedModel(_Strict):
    provider: str
    model: str
    model_ref: str
    actual_cost: Money


class SuggestionsResponse(_Strict):
    from_: str = Field(alias="from")
    to: str
    time_zone: str
    currency: Literal["USD"]
    filters: dict[str, list[str | None]]
    account_ids: list[str]
    models: list[SuggestedModel] = Field(description="The top models by priced spend that have peers.")
    unassessed: list[UnassessedModel] = Field(description="Top models equivalents.json lists no peer for.")
    method: str
    catalogue_version: str
    provisional: ProvisionalOut
    coverage: CoverageOut
    documents_read: int


class AdviceScopeOut(_Strict):
    account_id: str
    account_name: str
    provider: str
    api_key_id: str | None
    api_key_name: str | None
    workspace_id: str | None
    workspace_name: str | None
    model: str | None


class ConfidenceOut(_Strict):
    level: Literal["high", "medium", "low"]
    why: str


class AdviceOut(_Strict):
    id: str = Field(description="Stable for the same kind and scope (an alert is raised once per id).")
    kind: Literal[
        "prompt_caching",
        "cache_duration",
        "batch",
        "long_context",
        "right_sizing",
        "priority_tier",
        "unpriced_model",
        "idle_key",
        "unusual_key",
    ]
    title: str
    scope: AdviceScopeOut
    evidence: dict[str, Any] = Field(description="The figures the advice rests on (amounts as decimal strings).")
    monthly_savings: Money = Field(description="period_savings scaled to 30 days, rounded to the cent.")
    period_savings: Money = Field(description="What the change would have saved over the period, exact.")
    confidence: ConfidenceOut
    method: str
    actions: list[str]


class AdviceResponse(_Strict):
    from_: str = Field(alias="from")
    to: str
    time_zone: Literal["UTC"] = Field(description="Days are UTC days (prices change by UTC day).")
    hours_in: str = Field(description="The time zone hours of the day (off-hours) are read in: the tenant's.")
    currency: Literal["USD"]
    account_ids: list[str]
    advice: list[AdviceOut] = Field(
        description="By monthly savings, highest first. Savings of advice on the same usage overlap (caching and "
        "right-sizing one key): they do not add up."
    )
    counts: dict[str, int] = Field(description="How many recommendations of each kind.")
    alert_threshold_usd: Money = Field(description="Advice worth at least this a month raises an alert, once.")
    provisional: ProvisionalOut
    coverage: CoverageOut
    documents_read: int
