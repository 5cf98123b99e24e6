"""The missing-models check: models seen in usage that the catalogue cannot price, listed the day they appear."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from local.anthropic_sim.data import UsageProfile as AnthropicProfile
from local.openai_sim.data import AUDIO_MODEL, DEFAULT_CHAT_MODELS, IMAGE_TOKEN_MODEL
from shared.pricing import default_catalogue
from shared.pricing.catalogue import GenaiPricesCatalogue, MissingModel, main

TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def catalogue() -> GenaiPricesCatalogue:
    return default_catalogue()


def test_lists_unknown_models_and_models_not_yet_priced(catalogue: GenaiPricesCatalogue) -> None:
    seen = [
        ("anthropic", "claude-opus-4-8"),
        ("anthropic", "claude-nova-9"),  # new: nobody has priced it
        ("anthropic", "claude-nova-9"),  # seen twice, listed once
        ("anthropic", "claude-mythos-5"),
        ("openai", "gpt-5-2025-08-07"),
        ("openai", "gpt-99-turbo"),
        ("openai", "tool:web_search"),  # a tool row: priced per call
        ("openai", "dall-e-3"),  # priced per image only
        ("google", "gemini-9"),
    ]
    assert catalogue.missing_models(seen, TODAY) == [
        MissingModel("anthropic", "claude-nova-9", "no price known for model claude-nova-9"),
        MissingModel("google", "gemini-9", "provider google is not supported by the catalogue"),
        MissingModel("openai", "gpt-99-turbo", "no price known for model gpt-99-turbo"),
    ]
    # A model known only from a later date is missing before it: Mythos 5 is priced from 2026-06-09.
    (early,) = catalogue.missing_models([("anthropic", "claude-mythos-5")], date(2026, 6, 1))
    assert "before 2026-06-09" in early.reason


def test_tier_and_speed_gaps_are_not_model_gaps(catalogue: GenaiPricesCatalogue) -> None:
    # Opus 4.8 fast mode ended today and priority has no list price: the model itself is known.
    assert catalogue.missing_models([("anthropic", "claude-opus-4-8"), ("openai", "gpt-5-nano")], TODAY) == []


def test_every_model_the_simulated_organizations_use_is_priced(catalogue: GenaiPricesCatalogue) -> None:
    # The simulators stand in for real organizations: a model they start emitting must be priced first.
    seen = [("anthropic", m) for m in AnthropicProfile().models]
    seen += [("openai", m) for m in (*DEFAULT_CHAT_MODELS, AUDIO_MODEL, IMAGE_TOKEN_MODEL)]
    seen += [("openai", m) for m in ("text-embedding-3-small", "omni-moderation-latest", "tts-1", "whisper-1")]
    assert catalogue.missing_models(seen, TODAY) == []


def test_command_line_lists_the_missing_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    models = tmp_path / "models.txt"
    models.write_text("# provider model\nanthropic claude-opus-4-8\nopenai/gpt-99-turbo\n\nanthropic,claude-nova-9\n")
    assert main(["missing-models", "--day", "2026-11-30", str(models)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "anthropic\tclaude-nova-9\tno price known for model claude-nova-9",
        "openai\tgpt-99-turbo\tno price known for model gpt-99-turbo",
    ]
    assert err.startswith("2 missing, 1 known (genai-prices 0.2.3 + overrides ")
    models.write_text("openai gpt-5\n")
    assert main(["missing-models", "--day", "2026-11-30", str(models)]) == 0
    with models.open() as stdin:
        monkeypatch.setattr("sys.stdin", stdin)
        assert main(["missing-models"]) == 0


def test_command_line_refuses_a_malformed_line(tmp_path: Path) -> None:
    models = tmp_path / "models.txt"
    models.write_text("claude-opus-4-8\n")
    with pytest.raises(ValueError, match="line 1: expected 'provider model'"):
        main(["missing-models", str(models)])
