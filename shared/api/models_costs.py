"""Request and response shapes of the cost-trust endpoints: reconciliation, explain and tenant settings."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.api.http import ACCOUNT_ID
from shared.api.models import Body, CoverageOut, IsoDate, Note, Patch, Query, TimeZone, Tokens, Trimmed, text
from shared.domain.accounts import ProviderName
from shared.services.explain import FILTER_FIELDS as EXPLAIN_FILTERS

Money = str
"""USD as an exact decimal string."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


AccountId = Annotated[str, Field(pattern=ACCOUNT_ID.pattern, description="Only this account (acc_...).")]
FilterValue = Annotated[str, Field(min_length=1, max_length=200)]
_FILTER = "Only rows with this {} (the value null: rows where it is null)."

# -- reconciliation ---------------------------------------------------------------------------------


class ReconciliationQuery(Query):
    from_: IsoDate = Field(alias="from", description="First UTC day, inclusive.")
    to: IsoDate = Field(description="Last UTC day, inclusive (on or after from; at most 93 days after: else 400).")
    account_id: AccountId | None = None
    provider: ProviderName | None = Field(None, description="Only the accounts of this provider.")


class ReasonOut(_Strict):
    code: Literal["tier_not_billed", "only_in_report", "unpriced", "provisional", "ledger_not_read"]
    message: str


class ReconciliationRow(_Strict):
    account_id: str
    day: str = Field(description="UTC day (the cost report's days are UTC).")
    model: str | None = Field(description="Null for costs billed per workspace only (web search, code execution).")
    token_type: str = Field(
        description="uncached_input, cache_write_5m, cache_write_1h, cache_read, output, web_search, code_execution..."
    )
    billed: Money
    computed: Money
    difference: Money = Field(description="computed - billed.")
    status: Literal["matched", "explained", "unexplained"] = Field(
        description="matched: within a cent; explained: a known reason accounts for the gap; unexplained: a bug."
    )
    provisional: bool = Field(description="The day has hours younger than the settling time.")
    reasons: list[ReasonOut]
    tokens: int = Field(description="Tokens of this class (web search: requests).")
    unpriced_tokens: int


class ReconciliationTotals(_Strict):
    billed: Money
    computed: Money
    difference: Money
    agree_to_the_cent: bool


class TrustFigures(_Strict):
    billed: Money
    matched_billed: Money = Field(description="Billed dollars on lines where computed is within a cent.")
    matched_percent: float
    explained_billed: Money
    unexplained_billed: Money
    unexplained_lines: int
    computed_not_billed: Money


class AccountTrust(TrustFigures):
    account_id: str
    account_name: str
    ledger_read_through: str | None = Field(description="Days before this one were read after they ended.")
    ledger_last_read_at: str | None
    ledger_last_error: str | None


class TrustPanel(TrustFigures):
    settled: TrustFigures = Field(description="The same, leaving out provisional days.")
    accounts: list[AccountTrust]


class ReconciliationResponse(_Strict):
    from_: str = Field(alias="from")
    to: str
    time_zone: Literal["UTC"]
    currency: Literal["USD"]
    settling_hours: int
    account_ids: list[str]
    rows: list[ReconciliationRow]
    totals: ReconciliationTotals
    settled_totals: ReconciliationTotals
    trust: TrustPanel
    coverage: CoverageOut
    documents_read: int


# -- settings ----------------------------------------------------------------------------------------


class SettingsBody(Patch):
    """Change some settings: a field left out keeps its value (at least one is given)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"minProperties": 1})
    time_zone: TimeZone | None = Field(
        None, description="IANA time zone name (Europe/Paris, UTC) daily views are cut in."
    )
    advice_alert_usd: Annotated[str, Field(pattern=r"^\d{1,10}(\.\d{1,6})?$")] | None = Field(
        None,
        description="USD a month, as a decimal string: new savings advice worth at least this raises an alert, once.",
    )


class SettingsOut(_Strict):
    time_zone: str
    advice_alert_usd: Money = Field(description="The savings advice alert threshold, USD a month.")


# -- explain -----------------------------------------------------------------------------------------


class ExplainQuery(Query):
    from_: IsoDate = Field(alias="from", description="First UTC day, inclusive.")
    to: IsoDate = Field(description="Last UTC day, inclusive (on or after from; at most 93 days after: else 400).")
    account_id: AccountId | None = None
    provider: ProviderName | None = Field(None, description="Only the accounts of this provider.")
    model: FilterValue | None = Field(None, description=_FILTER.format("model"))
    service_tier: FilterValue | None = Field(None, description=_FILTER.format("service_tier"))
    context_window: FilterValue | None = Field(None, description=_FILTER.format("context_window"))
    inference_geo: FilterValue | None = Field(None, description=_FILTER.format("inference_geo"))
    speed: FilterValue | None = Field(None, description=_FILTER.format("speed"))
    variant: FilterValue | None = Field(None, description=_FILTER.format("variant"))
    workspace_id: FilterValue | None = Field(None, description=_FILTER.format("workspace_id"))
    api_key_id: FilterValue | None = Field(None, description=_FILTER.format("api_key_id"))
    user_id: FilterValue | None = Field(None, description=_FILTER.format("user_id"))

    def filters(self) -> tuple[tuple[str, str | None], ...]:
        """The filters given, in the service's order; the value null selects rows where the field is null."""
        values = self.model_dump(include=set(EXPLAIN_FILTERS), exclude_unset=True)
        return tuple(
            (name, None if values[name] == "null" else values[name]) for name in EXPLAIN_FILTERS if name in values
        )


assert set(ExplainQuery.model_fields) == {"from_", "to", "account_id", "provider", *EXPLAIN_FILTERS}, (
    "a filter field is missing"
)


class ExplainClass(_Strict):
    token_class: str = Field(description="The usage class: uncached_input, cache_read, output, web_search, ...")
    quantity: int = Field(description="Tokens, or units for per-unit classes (web search: requests).")
    rate: Money | None = Field(description="USD per rate_unit; null when unpriced.")
    rate_unit: str = Field(description="USD per million tokens, USD per request, ...")
    cost: Money | None = Field(description="quantity x rate, exact.")
    stored_cost: Money | None = Field(description="What is stored for these tokens (null when unpriced).")


class PriceUsed(_Strict):
    catalogue_version: str
    model_ref: str | None
    effective_from: str | None = Field(description="The date the base price applies from, when known.")
    modifiers: list[str] = Field(description="Adjustments applied: batch, data residency, long context, ...")
    unpriced_reason: str | None


class ExplainLine(_Strict):
    day: str
    provider: str
    model: str
    service_tier: str
    context_window: str | None
    inference_geo: str | None
    speed: str | None
    variant: str | None
    classes: list[ExplainClass]
    cost: Money | None
    stored_cost: Money | None
    agrees: bool = Field(description="The re-derived cost equals the stored cost exactly.")
    price: PriceUsed
    stored_price_refs: list[str]
    stored_catalogue_versions: list[str]
    catalogue_version_differs: bool
    note: str | None
    unpriced_reasons: list[str]


class ExplainTotals(_Strict):
    tokens: Tokens
    cost: Money
    stored_cost: Money
    unpriced_lines: int
    catalogue_version_differs: bool
    agrees: bool


class ExplainResponse(_Strict):
    from_: str = Field(alias="from")
    to: str
    time_zone: Literal["UTC"]
    currency: Literal["USD"]
    filters: dict[str, str | None]
    catalogue_version: str | None
    lines: list[ExplainLine]
    totals: ExplainTotals
    coverage: CoverageOut
    documents_read: int


# -- rate cards --------------------------------------------------------------------------------------


class RateCardIn(Body):
    provider: ProviderName
    model: Annotated[str, text(120), Trimmed] | None = Field(
        default=None, description="Models starting with this; null: every model."
    )
    percent_off: str = Field(
        pattern=r"^(100(\.0{1,4})?|\d{1,2}(\.\d{1,4})?)$", description='Percent off list price, e.g. "12.5".'
    )
    effective_from: IsoDate = Field(description="First UTC day the discount applies.")
    until: IsoDate | None = Field(
        default=None,
        description="First UTC day it no longer applies (after effective_from, else 422); null: open. Cards of "
        "one provider and model must not overlap (422).",
    )
    note: Note = ""


class RateCardsBody(Body):
    rate_cards: list[RateCardIn] = Field(max_length=100, description="The whole list; it replaces the current one.")


class RateCardsOut(_Strict):
    rate_cards: list[RateCardIn]
