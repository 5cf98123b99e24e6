"""The cheapest credible alternatives for an organization's top models: each model's usage re-priced (the
what-if) on every peer the curated equivalence map (``equivalents.json``) lists for it, cheapest first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shared.domain.money import EXACT, ZERO, to_cents, usd
from shared.domain.priced import CostRow
from shared.insights.whatif import Repricer, Target, WhatIfCatalogue, equivalence_map, noon, what_if

if TYPE_CHECKING:
    from shared.pricing.catalogue import EquivalenceMap

TOP_MODELS = 5
"""How many of the organization's models (by priced spend) get alternatives."""


def suggest(
    catalogue: WhatIfCatalogue,
    pieces: Iterable[tuple[str, date, CostRow]],
    provider_of: Mapping[str, str],
    monthly: Callable[[Decimal], Decimal],
    *,
    top: int = TOP_MODELS,
    equivalents: EquivalenceMap | None = None,
) -> dict[str, Any]:
    """Alternatives per top model (``monthly`` scales a period amount to 30 days).

    Returns ``models`` (each with its alternatives, cheapest expected cost first) and ``unassessed`` (top
    models the map lists no peer for: not assessed, which is not "no alternative").
    """
    table = equivalents if equivalents is not None else equivalence_map()
    by_model: dict[tuple[str, str], list[tuple[str, date, CostRow]]] = defaultdict(list)
    spend: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for account_id, day, row in pieces:
        key = (provider_of[account_id], row.dims.model)
        by_model[key].append((account_id, day, row))
        if row.cost is not None:
            spend[key] = EXACT.add(spend[key], row.cost.total)
    ranked = sorted((k for k in by_model if spend[k] > 0), key=lambda k: (-spend[k], k))[:top]
    repricers: dict[tuple[str, str], Repricer] = {}
    models: list[dict[str, Any]] = []
    unassessed: list[dict[str, Any]] = []
    for provider, model in ranked:
        rows = by_model[(provider, model)]
        _, day, row = next(r for r in rows if r[2].cost is not None)
        model_ref = catalogue.quote(provider, row.dims, noon(day)).model_ref or model
        peers = table.peers(provider, model_ref)
        if not peers:
            cost = usd(spend[(provider, model)])
            unassessed.append({"provider": provider, "model": model, "model_ref": model_ref, "actual_cost": cost})
            continue
        alternatives: list[dict[str, Any]] = []
        for peer, entry in peers:
            target = Target(peer.provider, peer.model, peer.model)
            repricer = repricers.get((peer.provider, peer.model))
            if repricer is None:
                repricer = repricers[(peer.provider, peer.model)] = Repricer(catalogue, target)
            (result,) = what_if(repricer, rows, provider_of).models
            low, expected, high = result.band()
            compared = result.compared_actual
            rendered = result.render(target)
            alternatives.append(
                {
                    "provider": peer.provider,
                    "model": peer.model,
                    "comparable": result.comparable,
                    "compared_actual_cost": usd(compared),
                    "target_cost": {"low": usd(low), "expected": usd(expected), "high": usd(high)},
                    "savings": {
                        "low": usd(EXACT.subtract(compared, high)),
                        "expected": usd(EXACT.subtract(compared, expected)),
                        "high": usd(EXACT.subtract(compared, low)),
                    },
                    "monthly_savings_expected": usd(to_cents(monthly(EXACT.subtract(compared, expected)))),
                    "similarity": entry.similarity,
                    "basis": entry.basis,
                    "evidence": entry.evidence,
                    "caveats": entry.caveats,
                    "sources": [{"url": c.url, "seen": c.seen.isoformat(), "what": c.what} for c in entry.sources],
                    "tokenizer": rendered["tokenizer"],
                    "not_comparable": rendered["not_comparable"],
                    "notes": sorted(result.notes),
                }
            )
        alternatives.sort(key=_cheapest)
        models.append(
            {
                "provider": provider,
                "model": model,
                "model_ref": model_ref,
                "actual_cost": usd(spend[(provider, model)]),
                "alternatives": alternatives,
            }
        )
    return {"models": models, "unassessed": unassessed}


def _cheapest(alternative: dict[str, Any]) -> tuple[bool, Decimal, str]:
    """Comparable alternatives first, then the largest expected saving."""
    return (not alternative["comparable"], -Decimal(alternative["savings"]["expected"]), alternative["model"])


def suggestions_method(catalogue_version: str) -> str:
    return (
        "Each top model's usage (by priced spend) re-priced on every peer equivalents.json lists for it, as the "
        f"what-if does: each UTC day at the peer's list price that day ({catalogue_version}), usage classes mapped "
        "between providers (Anthropic cache writes become OpenAI input; cache reads stay cached input), tokens "
        "scaled by the reviewed tokenizer ratio (low/expected/high), usage with no price on either side left out. "
        "Alternatives are sorted by expected savings; the peer's basis, evidence, caveats and sources say why it is "
        "credible. A model the map lists no peer for is 'unassessed', not 'without alternative'."
    )
