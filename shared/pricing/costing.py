"""Pricing one raw day into a priced day. Pure functions."""

from __future__ import annotations

from shared.domain.priced import CostRow, PricedDay, hours_of, spend_by_hour, sum_rows
from shared.domain.usage import UsageBucket, UsageDay
from shared.pricing import Catalogue, PriceQuote, Unpriceable, cost_breakdown


def price_ref(quote: PriceQuote) -> str:
    """A short, human-readable statement of which price was used."""
    parts = [quote.catalogue_version]
    if quote.model_ref:
        parts.append(quote.model_ref)
    if quote.effective_from:
        parts.append(f"from {quote.effective_from.isoformat()}")
    parts.extend(quote.modifiers)
    return " / ".join(parts)


_Quotes = dict[tuple[str | None, ...], tuple[PriceQuote, str]]


def price_bucket(
    provider: str, bucket: UsageBucket, catalogue: Catalogue, quotes: _Quotes | None = None
) -> list[CostRow]:
    """Price every row of one hour at the prices in force at that hour.

    Args:
        quotes: quotes already asked for this UTC day, by pricing dimensions (a price depends on the model,
            tier, context window, geography, speed, variant and UTC day only, not on the key or workspace);
            pass the same dict for every hour of a day to ask the catalogue once per combination.
    """
    quotes = {} if quotes is None else quotes
    rows: list[CostRow] = []
    for row in bucket.rows:
        d = row.dims
        pricing_key = (d.model, d.service_tier, d.context_window, d.inference_geo, d.speed, d.variant)
        found = quotes.get(pricing_key)
        if found is None:
            quote = catalogue.quote(provider, d, row.hour_start)
            found = quotes[pricing_key] = (quote, price_ref(quote))
        quote, ref = found
        if quote.rates is None:
            rows.append(CostRow(d, row.tokens, None, ref, quote.unpriced_reason or "unpriced"))
            continue
        try:
            rows.append(CostRow(d, row.tokens, cost_breakdown(row.tokens, quote.rates), ref))
        except Unpriceable as why:
            rows.append(CostRow(d, row.tokens, None, ref, f"{why} for {quote.model_ref or d.model}"))
    return rows


def price_day(provider: str, usage: UsageDay, catalogue: Catalogue) -> PricedDay:
    """Price one UTC day's raw hours and sum them into the day's record (rows with their hours)."""
    quotes: _Quotes = {}
    hours = [(h, price_bucket(provider, usage.hours[h], catalogue, quotes)) for h in sorted(usage.hours)]
    # Within one day a grouping has one price, except when a class makes one hour's row unpriceable and
    # another's not: then sum_rows keeps them apart (its key includes the price and the reason).
    rows = sum_rows(r for _, hour_rows in hours for r in hour_rows)
    return PricedDay(
        account_id=usage.account_id,
        day=usage.day,
        catalogue_version=catalogue.version,
        source_hash=usage.content_hash(),
        hours_collected=len(usage.hours),
        rows=tuple(rows),
        row_hours=tuple(hours_of(rows, hours)),
        hour_spend=spend_by_hour(hours),  # the hours are priced already: no cutting needed for the rollup
    )
