"""Pricing raw usage buckets into hourly cost records and a daily aggregate. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from shared.domain.hourly import HourlySplit
from shared.domain.priced import CostDay, CostHour, CostRow, sum_rows
from shared.domain.usage import UsageBucket
from shared.pricing import Catalogue, PriceQuote, cost_breakdown


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
    account_id: str, provider: str, bucket: UsageBucket, catalogue: Catalogue, quotes: _Quotes | None = None
) -> CostHour:
    """Price every row of one hour at the prices in force at that hour.

    Args:
        quotes: quotes already asked for this UTC day, by pricing dimensions (a price depends on the model,
            tier, context window, geography, speed and UTC day only, not on the key or workspace); pass
            the same dict for every hour of a day to ask the catalogue once per combination.
    """
    quotes = {} if quotes is None else quotes
    rows: list[CostRow] = []
    for row in bucket.rows:
        d = row.dims
        found = quotes.get((d.model, d.service_tier, d.context_window, d.inference_geo, d.speed))
        if found is None:
            quote = catalogue.quote(provider, d, row.hour_start)
            found = quotes[(d.model, d.service_tier, d.context_window, d.inference_geo, d.speed)] = (
                quote,
                price_ref(quote),
            )
        quote, ref = found
        if quote.rates is None:
            rows.append(CostRow(d, row.tokens, None, ref, quote.unpriced_reason or "unpriced"))
        else:
            rows.append(CostRow(d, row.tokens, cost_breakdown(row.tokens, quote.rates), ref))
    return CostHour(
        account_id=account_id,
        hour_start=bucket.hour_start,
        source_hash=bucket.content_hash(),
        catalogue_version=catalogue.version,
        rows=tuple(rows),
    )


def price_day(
    account_id: str,
    provider: str,
    day: date,
    buckets: Sequence[UsageBucket],
    catalogue: Catalogue,
) -> tuple[list[CostHour], CostDay]:
    """Price one UTC day's buckets and sum them into the day's aggregate."""
    quotes: _Quotes = {}
    hours = [price_bucket(account_id, provider, b, catalogue, quotes) for b in buckets if b.hour_start.date() == day]
    day_rows = sum_rows(r for h in hours for r in h.rows)
    return hours, CostDay(
        account_id=account_id,
        day=day,
        catalogue_version=catalogue.version,
        hours_collected=len(hours),
        rows=tuple(day_rows),
        hourly=HourlySplit.build(day_rows, hours),
    )
