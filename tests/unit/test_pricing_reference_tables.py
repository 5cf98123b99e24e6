"""tokenizers.json and equivalents.json: the reviewed data behind what-if and savings advice."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from shared.domain.usage import Dimensions
from shared.pricing import default_catalogue
from shared.pricing.catalogue import (
    EQUIVALENTS_PATH,
    TOKENIZERS_PATH,
    EquivalenceMap,
    ModelRef,
    Ratio,
    TokenizerTable,
    load_equivalents,
    load_tokenizers,
)

TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def tokenizers() -> TokenizerTable:
    return load_tokenizers()


@pytest.fixture(scope="module")
def equivalents() -> EquivalenceMap:
    return load_equivalents()


def _named_models(tokenizers: TokenizerTable, equivalents: EquivalenceMap) -> list[tuple[str, str]]:
    named = [(f.provider, m) for f in tokenizers.families for m in f.models]
    return named + [(ref.provider, ref.model) for ref in equivalents.models()]


def test_tables_are_dated_and_cite_what_they_say(tokenizers: TokenizerTable, equivalents: EquivalenceMap) -> None:
    for table in (tokenizers, equivalents):
        assert table.as_of <= TODAY
    citations = [c for f in tokenizers.families for c in f.sources]
    citations += [c for r in tokenizers.ratios for c in r.sources]
    citations += [c for p in equivalents.pairs for c in p.sources]
    assert citations and all(c.url.startswith("https://") and c.seen <= TODAY and c.what for c in citations)


def test_every_model_named_is_in_the_catalogue_under_that_id(
    tokenizers: TokenizerTable, equivalents: EquivalenceMap
) -> None:
    catalogue = default_catalogue()
    named = _named_models(tokenizers, equivalents)
    assert catalogue.missing_models(named, TODAY) == []
    for provider, model in named:  # the catalogue's own id, so what-if can join on model_ref
        quote = catalogue.quote(provider, Dimensions(model=model), datetime(2026, 11, 29, tzinfo=UTC))
        assert quote.model_ref == model, (provider, model)


def test_ratios_are_positive_and_ordered(tokenizers: TokenizerTable) -> None:
    assert tokenizers.ratios
    for r in tokenizers.ratios:
        assert 0 < r.low <= r.expected <= r.high


def test_the_same_family_is_exactly_one(tokenizers: TokenizerTable) -> None:
    for family in tokenizers.families:
        for a, b in combinations(family.models, 2):
            ratio = tokenizers.ratio(
                ModelRef(provider=family.provider, model=a), ModelRef(provider=family.provider, model=b)
            )
            assert ratio == Ratio(Decimal(1), Decimal(1), Decimal(1)), (a, b)


def test_published_ratios_and_their_inverse(tokenizers: TokenizerTable) -> None:
    opus46, opus47 = (
        ModelRef(provider="anthropic", model="claude-opus-4-6"),
        ModelRef(provider="anthropic", model="claude-opus-4-7"),
    )
    # Anthropic: Opus 4.7's tokenizer produces 1.0-1.35x the tokens of earlier models for the same text.
    assert tokenizers.ratio(opus46, opus47) == Ratio(Decimal("1.00"), Decimal("1.175"), Decimal("1.35"))
    back = tokenizers.ratio(opus47, opus46)
    assert back is not None and back.derived
    assert back.low == 1 / Decimal("1.35") and back.high == 1
    # o200k -> Claude 4.7+: through the Claude 3 family, marked derived; each bound the product of the two.
    gpt5 = ModelRef(provider="openai", model="gpt-5")
    through = tokenizers.ratio(gpt5, opus47)
    assert through == Ratio(
        Decimal("1.16"), Decimal("1.20") * Decimal("1.175"), Decimal("1.30") * Decimal("1.35"), True
    )


def test_unknown_models_have_no_ratio(tokenizers: TokenizerTable) -> None:
    assert (
        tokenizers.ratio(
            ModelRef(provider="openai", model="gpt-5"), ModelRef(provider="anthropic", model="claude-fable-5")
        )
        is None
    )
    assert (
        tokenizers.ratio(ModelRef(provider="openai", model="gpt-99"), ModelRef(provider="openai", model="gpt-5"))
        is None
    )


def test_peers_either_direction_with_their_basis(equivalents: EquivalenceMap) -> None:
    ((peer, entry),) = equivalents.peers("anthropic", "claude-mythos-5")
    assert (peer.model, entry.similarity, entry.basis) == ("claude-fable-5", "same_model", "provider")
    ((peer, entry),) = equivalents.peers("anthropic", "claude-opus-4-7")
    assert (peer.provider, peer.model, entry.basis) == ("openai", "gpt-5.5", "benchmark")
    assert "SWE-bench Pro" in entry.caveats
    assert equivalents.peers("openai", "gpt-99") == []


# -- what the loaders refuse ------------------------------------------------------------------------------------


def _tokenizers_with(tmp_path: Path, change: Any) -> Path:
    table = json.loads(TOKENIZERS_PATH.read_text())
    change(table)
    path = tmp_path / "tokenizers.json"
    path.write_text(json.dumps(table))
    return path


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda t: t["ratios"][0].update(low="1.5"), "low <= expected <= high"),
        (lambda t: t["ratios"][0].update(low="0"), "must be positive"),
        (lambda t: t["ratios"][0].update(low=1.1), "write prices as strings"),
        (lambda t: t["ratios"][0].update(to_family=t["ratios"][0]["from_family"]), "exactly 1"),
        (lambda t: t["ratios"][0].update(to_family="claude-v9"), "unknown family claude-v9"),
        (lambda t: t["families"][1]["models"].append("gpt-5"), "one tokenizer family at most"),
        (lambda t: t["families"][0]["sources"][0].update(seen="2026-12-01"), "after the table's as_of"),
        (lambda t: t["families"][0]["sources"][0].update(url="http://example.com"), "https"),
        (lambda t: t["ratios"].append(dict(t["ratios"][0])), "one ratio per pair"),
    ],
    ids=["unordered", "zero", "float", "same-family", "unknown-family", "two-families", "future", "http", "dup"],
)
def test_invalid_tokenizer_table_is_refused(tmp_path: Path, change: Any, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        load_tokenizers(_tokenizers_with(tmp_path, change))


def _equivalents_with(tmp_path: Path, change: Any) -> Path:
    table = json.loads(EQUIVALENTS_PATH.read_text())
    change(table)
    path = tmp_path / "equivalents.json"
    path.write_text(json.dumps(table))
    return path


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda t: t["pairs"][0].update(b=t["pairs"][0]["a"]), "its own peer"),
        (lambda t: t["pairs"][0].update(basis="benchmark"), "only the provider"),
        (
            lambda t: t["pairs"].append({**t["pairs"][0], "a": t["pairs"][0]["b"], "b": t["pairs"][0]["a"]}),
            "each pair once",
        ),
        (lambda t: t["pairs"][0].update(sources=[]), "at least 1"),
        (lambda t: t["pairs"][0]["sources"][0].update(seen="2027-01-01"), "after the table's as_of"),
    ],
    ids=["self", "same-model-benchmark", "duplicate", "no-source", "future"],
)
def test_invalid_equivalence_map_is_refused(tmp_path: Path, change: Any, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        load_equivalents(_equivalents_with(tmp_path, change))
