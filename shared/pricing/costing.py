"""Pricing one raw day into a priced day. Pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from shared.domain.money import EXACT, ZERO
from shared.domain.priced import CostRow, PricedDay, RowHours, row_key, row_order, spend_of_totals, sum_rows
from shared.domain.usage import USAGE_CLASSES, Dimensions, TokenCounts, UsageBucket, UsageDay, UsageRow
from shared.pricing import Catalogue, CostBreakdown, PriceQuote, Rates, Unpriceable, cost_breakdown


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


def _quote(provider: str, row: UsageRow, catalogue: Catalogue, quotes: _Quotes) -> tuple[PriceQuote, str]:
    d = row.dims
    pricing_key = (d.model, d.service_tier, d.context_window, d.inference_geo, d.speed, d.variant)
    found = quotes.get(pricing_key)
    if found is None:
        quote = catalogue.quote(provider, d, row.hour_start)
        found = quotes[pricing_key] = (quote, price_ref(quote))
    return found


def _priced_row(dims: Dimensions, tokens: TokenCounts, quote: PriceQuote, ref: str) -> CostRow:
    """One row at its quote: costed, or unpriced with the reason."""
    if quote.rates is None:
        return CostRow(dims, tokens, None, ref, quote.unpriced_reason or "unpriced")
    try:
        return CostRow(dims, tokens, cost_breakdown(tokens, quote.rates), ref)
    except Unpriceable as why:
        return CostRow(dims, tokens, None, ref, f"{why} for {quote.model_ref or dims.model}")


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
        quote, ref = _quote(provider, row, catalogue, quotes)
        rows.append(_priced_row(row.dims, row.tokens, quote, ref))
    return rows


# --------------------------------------------------------------------------------------------------
# A grouping's day priced at once
#
# A priced day is defined as its hours priced one by one (`price_bucket`) and summed per grouping
# (`sum_rows`), with the hourly spend summed from the hours' rows. Within one UTC day a grouping has one
# quote, and a cost is exact (quantity x rate, 60 digits), so the day's cost of a class is the day's
# quantity times the rate. That is the same Decimal, exponent included: every hour's amount of a class has
# the exponent of quantity x rate (the rate's exponent, less 6 per million), and an exact sum takes the
# smallest exponent of its terms; an hour that does not use the class adds Decimal(0) (exponent 0), which
# `_with_zeros` adds back. An hour's spend (a row's total) is summed in integers at the smallest exponent
# of the classes it used, the exponent the Decimal sum ends at. Where that argument does not hold (a class
# with no rate, which makes some hours unpriceable; a rate per 60 or 24e9 units, whose division may round;
# a negative rate; 59 digits or more), the grouping is priced hour by hour as defined.

_Spend = dict[int, list[Decimal | None]]
"""Hour of the day -> the total cost of each of its rows (None: unpriced), in the hour's row order."""

_DIGITS = 10**59
"""Integers from here on may not be exact in the 60-digit context: such a grouping is priced hour by hour."""


@dataclass(frozen=True, slots=True)
class _Terms:
    """A price's rates as integers, for the classes a day can be priced at once.

    Attributes:
        priced: (class index, multiplier at ``exponent``, the class's own exponent) for each class with a
            non-zero rate: quantity x multiplier is the class's cost in units of 10**exponent.
        exponent: the smallest exponent of any of them, and 0.
        refused: classes priced only hour by hour: no rate (unpriceable), or a rate per other than 1 or a
            million units, or a negative one.
    """

    priced: tuple[tuple[int, int, int], ...]
    exponent: int
    refused: tuple[int, ...]


def _terms(rates: Rates) -> _Terms:
    found: list[tuple[int, int, int]] = []
    refused: list[int] = []
    for c, usage_class in enumerate(USAGE_CLASSES):
        rate = rates.rate(usage_class.name)
        if rate is None or usage_class.per not in (1, 1_000_000) or not rate.is_finite() or rate < 0:
            refused.append(c)
            continue
        _, digits, exponent = rate.as_tuple()  # non-negative: no sign
        assert isinstance(exponent, int)  # a finite rate's
        coefficient = int("".join(map(str, digits)))
        if coefficient:
            found.append((c, coefficient, exponent - 6 if usage_class.per == 1_000_000 else exponent))
    lowest = min([0, *(x for _, _, x in found)])
    priced = tuple((c, k * 10 ** (x - lowest), x) for c, k, x in found)
    return _Terms(priced, lowest, tuple(refused))


@dataclass(slots=True)
class _Built:
    """One row of the day, where it first appeared (hour, index in the hour) and its hours."""

    first: tuple[int, int]
    row: CostRow
    hours: RowHours


def _row_hours(entries: Sequence[tuple[int, int, UsageRow]]) -> RowHours:
    """(hour, quantities) ascending, a grouping's rows of one hour added (entries are in hour order)."""
    out: list[tuple[int, TokenCounts]] = []
    for h, _, row in entries:
        if out and out[-1][0] == h:
            out[-1] = (h, out[-1][1] + row.tokens)
        else:
            out.append((h, row.tokens))
    return tuple(out)


def _day_tokens(
    entries: Sequence[tuple[int, int, UsageRow]],
) -> tuple[TokenCounts, list[tuple[int, ...]], list[tuple[int, ...]]]:
    """The grouping's day quantities, its entries' quantities class by class, and each entry's."""
    each = [row.tokens.values() for _, _, row in entries]
    columns = list(zip(*each, strict=True))
    if len(entries) == 1:
        return entries[0][2].tokens, columns, each
    return TokenCounts.of([sum(column) for column in columns]), columns, each


def _at_once(
    entries: Sequence[tuple[int, int, UsageRow]], rates: Rates, terms: _Terms, ref: str, spend: _Spend
) -> _Built | None:
    """The grouping's day priced at once, its hours' totals put in ``spend``; None where that may not be
    exact (see above: then it is priced hour by hour)."""
    tokens, columns, each = _day_tokens(entries)
    quantities = tokens.values()
    if any(quantities[c] for c in terms.refused):
        return None
    if sum(quantities[c] * k for c, k, _ in terms.priced) >= _DIGITS:
        return None  # the largest sum of any hour, and every amount, fits in 59 digits below this
    totals: list[tuple[int, int, Decimal]] = []
    lowest, priced = terms.exponent, terms.priced
    for (h, i, _), q in zip(entries, each, strict=True):
        units, exponent = 0, 0
        for c, k, x in priced:
            if q[c]:
                units += q[c] * k
                if x < exponent:
                    exponent = x
        if exponent != lowest:
            units //= 10 ** (exponent - lowest)  # exact: every term is a multiple
        totals.append((h, i, EXACT.scaleb(Decimal(units), exponent)))
    for h, i, total in totals:
        spend[h][i] = total
    cost = cost_breakdown(tokens, rates)
    zeros = [c for c, column in enumerate(columns) if quantities[c] and 0 in column]
    if zeros:
        cost = _with_zeros(cost, zeros)
    return _Built((entries[0][0], entries[0][1]), CostRow(entries[0][2].dims, tokens, cost, ref), _row_hours(entries))


def _with_zeros(cost: CostBreakdown, classes: Sequence[int]) -> CostBreakdown:
    """``cost`` with Decimal(0) added to ``classes``: what summing hours, some of which did not use the
    class, gives (the same value; exponent at most 0)."""
    values = list(cost.values())
    for c in classes:
        values[c] = EXACT.add(values[c], ZERO)
    return CostBreakdown(*values)


def _hour_by_hour(
    entries: Sequence[tuple[int, int, UsageRow]], quote: PriceQuote, ref: str, spend: _Spend
) -> list[_Built]:
    """The grouping's hours priced one by one and summed: the definition."""
    groups: dict[tuple[object, ...], list[tuple[int, int, CostRow, UsageRow]]] = {}
    for h, i, row in entries:
        priced = _priced_row(row.dims, row.tokens, quote, ref)
        if priced.cost is not None:
            spend[h][i] = priced.cost.total
        groups.setdefault(row_key(priced), []).append((h, i, priced, row))
    built = []
    for group in groups.values():
        (summed,) = sum_rows(priced for _, _, priced, _ in group)
        built.append(_Built(group[0][:2], summed, _row_hours([(h, i, row) for h, i, _, row in group])))
    return built


def price_day(provider: str, usage: UsageDay, catalogue: Catalogue) -> PricedDay:
    """Price one UTC day's raw hours and sum them into the day's record (rows with their hours).

    The same as pricing each hour (`price_bucket`) and summing the rows per grouping (`sum_rows`), Decimal
    for Decimal; each grouping's day is priced at once where that is provably the same (see above).
    """
    hours = [(h, usage.hours[h].rows) for h in sorted(usage.hours)]
    groupings: dict[Dimensions, list[tuple[int, int, UsageRow]]] = {}
    for h, rows in hours:
        for i, row in enumerate(rows):
            entries = groupings.get(row.dims)
            if entries is None:
                groupings[row.dims] = [(h, i, row)]
            else:
                entries.append((h, i, row))
    quotes: _Quotes = {}
    terms: dict[int, _Terms] = {}
    spend: _Spend = {h: [None] * len(rows) for h, rows in hours}
    built: list[_Built] = []
    for entries in groupings.values():
        quote, ref = _quote(provider, entries[0][2], catalogue, quotes)
        rates = quote.rates
        if rates is None:
            tokens = _day_tokens(entries)[0]
            unpriced = CostRow(entries[0][2].dims, tokens, None, ref, quote.unpriced_reason or "unpriced")
            built.append(_Built(entries[0][:2], unpriced, _row_hours(entries)))
            continue
        found = terms.get(id(rates))  # by identity: groupings that share a quote share its rates
        if found is None:
            found = terms[id(rates)] = _terms(rates)
        at_once = _at_once(entries, rates, found, ref, spend)
        if at_once is not None:
            built.append(at_once)
        else:
            built.extend(_hour_by_hour(entries, quote, ref, spend))
    # The order sum_rows gives: by dimensions, price, then first appearance.
    built.sort(key=lambda b: (row_order(b.row), b.first))
    return PricedDay(
        account_id=usage.account_id,
        day=usage.day,
        catalogue_version=catalogue.version,
        source_hash=usage.content_hash(),
        hours_collected=len(usage.hours),
        rows=tuple(b.row for b in built),
        row_hours=tuple(b.hours for b in built),
        hour_spend=spend_of_totals(
            (h, [(row.dims, total) for row, total in zip(rows, spend[h], strict=True) if total is not None])
            for h, rows in hours
        ),
    )
