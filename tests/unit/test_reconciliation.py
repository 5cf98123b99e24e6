"""Reconciliation rules on hand-built data: one test per known reason, and the API's contract over fakes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from shared.domain.accounts import STATUS_CONNECTED, Account
from shared.domain.billed import BilledCost, BilledDay
from shared.domain.priced import CostRow, PricedDay
from shared.domain.reconciliation import LedgerRules, reconcile
from shared.domain.usage import Dimensions, TokenCounts
from shared.pricing import CostBreakdown
from shared.providers import anthropic
from shared.services.reconciliation import ReconciliationQuery, ReconciliationService
from tests.fakes import FakeAccountStore, FakeBilledCostStore, FakeClock, FakeLedger
from tests.unit.conftest import World

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OLD = date(2026, 11, 10)  # settled
RECENT = date(2026, 11, 19)  # within 48 hours of NOW
ACC = "acc_0000000000000001"
SONNET = "claude-sonnet-4-5-20250929"
RULES = {ACC: LedgerRules(frozenset({"priority", "priority_on_demand"}), "the cost report")}


def row(model: str = SONNET, tier: str = "standard", output: int = 1_000_000, cost: str | None = "15", **kw) -> CostRow:
    dims = Dimensions(model=model, service_tier=tier, workspace_id=kw.pop("workspace_id", None))
    return CostRow(
        dims,
        TokenCounts(output=output, **kw),
        None if cost is None else CostBreakdown(output=Decimal(cost)),
        "test",
        None if cost is not None else kw.get("reason", "no price known for model " + model),
    )


def billed(
    day: date, amount: str, model: str | None = SONNET, token_type: str | None = "output_tokens", **kw
) -> BilledCost:
    return BilledCost(
        day=day,
        workspace_id=None,
        model=model,
        token_type=token_type,
        cost_type=kw.get("cost_type", "tokens"),
        service_tier="standard" if token_type else None,
        context_window=None,
        inference_geo=None,
        description="test line",
        amount_usd=Decimal(amount),
        # As the Anthropic adapter maps a cost report line.
        cost_class=anthropic._cost_class(token_type, kw.get("cost_type", "tokens")),
    )


def cost_day(day: date, *rows: CostRow) -> list[tuple[str, date, CostRow]]:
    """A day's computed rows as reconciliation takes them: (account, UTC day, row)."""
    return [(ACC, day, r) for r in rows]


def priced_day(day: date, *rows: CostRow) -> PricedDay:
    return PricedDay(ACC, day, "v1", f"source-{day}", 24, rows, tuple(((0, r.tokens),) for r in rows))


def ledger(day: date, *lines: BilledCost) -> BilledDay:
    return BilledDay(ACC, day, lines, NOW)


def only(lines):  # type: ignore[no-untyped-def]
    assert len(lines) == 1, lines
    return lines[0]


def test_equal_amounts_are_matched() -> None:
    line = only(reconcile(cost_day(OLD, row()), [ledger(OLD, billed(OLD, "15"))], NOW, RULES))
    assert (line.status, line.difference, line.reasons, line.provisional) == ("matched", 0, [], False)


def test_within_a_cent_is_matched_and_a_cent_off_is_unexplained() -> None:
    assert only(reconcile(cost_day(OLD, row()), [ledger(OLD, billed(OLD, "15.0099"))], NOW, RULES)).status == "matched"
    line = only(reconcile(cost_day(OLD, row()), [ledger(OLD, billed(OLD, "15.01"))], NOW, RULES))
    assert line.status == "unexplained" and line.difference == Decimal("-0.01")


def test_priority_tier_unpriced_and_absent_from_the_report() -> None:
    lines = reconcile(
        cost_day(OLD, row(), row(tier="priority", output=500_000, cost=None)),
        [ledger(OLD, billed(OLD, "15"))],
        NOW,
        RULES,
    )
    line = only(lines)
    assert line.status == "matched" and line.tier_tokens == 500_000 and line.unpriced_tokens == 0
    assert [r.code for r in line.reasons] == ["tier_not_billed"]


def test_priority_priced_by_a_rate_card_explains_the_gap_exactly() -> None:
    lines = reconcile(
        cost_day(OLD, row(), row(tier="priority", output=500_000, cost="9")),
        [ledger(OLD, billed(OLD, "15"))],
        NOW,
        RULES,
    )
    line = only(lines)
    assert line.difference == Decimal(9) and line.status == "explained"
    assert "own rate" in line.reasons[0].message
    # a gap beyond what priority accounts for stays unexplained
    lines = reconcile(
        cost_day(OLD, row(), row(tier="priority", output=500_000, cost="9")),
        [ledger(OLD, billed(OLD, "14"))],
        NOW,
        RULES,
    )
    assert only(lines).status == "unexplained"


def test_code_execution_is_only_in_the_report() -> None:
    lines = reconcile(
        cost_day(OLD, row()),
        [ledger(OLD, billed(OLD, "15"), billed(OLD, "2.5", model=None, token_type=None, cost_type="code_execution"))],
        NOW,
        RULES,
    )
    code = next(line for line in lines if line.cost_class == "code_execution")
    assert code.model is None and code.billed == Decimal("2.5") and code.computed == 0
    assert code.status == "explained" and [r.code for r in code.reasons] == ["only_in_report"]


def test_unpriced_model_explains_a_shortfall_never_an_excess() -> None:
    mystery = "claude-mystery-9"
    lines = reconcile(
        cost_day(OLD, row(mystery, cost=None)), [ledger(OLD, billed(OLD, "12.5", model=mystery))], NOW, RULES
    )
    line = only(lines)
    assert line.status == "explained" and line.unpriced_tokens == 1_000_000 and line.computed == 0
    assert "claude-mystery-9" in line.reasons[0].message
    # computing MORE than billed is not something a missing price can cause
    lines = reconcile(
        cost_day(OLD, row(mystery, cost=None), row(mystery, tier="batch", cost="20")),
        [ledger(OLD, billed(OLD, "12.5", model=mystery))],
        NOW,
        RULES,
    )
    assert only(lines).status == "unexplained"


def test_provisional_days_explain_any_gap() -> None:
    line = only(reconcile(cost_day(RECENT, row()), [ledger(RECENT, billed(RECENT, "11"))], NOW, RULES))
    assert line.provisional and line.status == "explained" and line.reasons[-1].code == "provisional"
    # 48 hours after the day ended it is settled
    assert not only(reconcile(cost_day(RECENT, row()), [], NOW + timedelta(hours=36), RULES)).provisional


def test_day_whose_ledger_was_not_read() -> None:
    line = only(reconcile(cost_day(OLD, row()), [], NOW, RULES))
    assert line.billed == 0 and line.status == "explained" and line.reasons[0].code == "ledger_not_read"
    # read and empty: computing cost the provider did not bill is unexplained
    assert only(reconcile(cost_day(OLD, row()), [ledger(OLD)], NOW, RULES)).status == "unexplained"


def test_web_search_is_reconciled_per_day_across_models() -> None:
    rows = (
        CostRow(Dimensions(SONNET), TokenCounts(web_search_requests=30), CostBreakdown(web_search=Decimal("0.3")), "x"),
        CostRow(
            Dimensions("claude-opus-4-6"),
            TokenCounts(web_search_requests=20),
            CostBreakdown(web_search=Decimal("0.2")),
            "x",
        ),
    )
    line = only(
        reconcile(
            cost_day(OLD, *rows),
            [ledger(OLD, billed(OLD, "0.5", model=None, token_type=None, cost_type="web_search"))],
            NOW,
            RULES,
        )
    )
    assert (line.model, line.cost_class, line.tokens, line.status) == (None, "web_search", 50, "matched")


def service(now: datetime = NOW) -> tuple[ReconciliationService, FakeLedger, FakeBilledCostStore]:
    accounts = FakeAccountStore()
    accounts.create(Account("t1", ACC, "anthropic", "Prod", STATUS_CONNECTED, NOW, NOW - timedelta(days=30), 30))
    costs = FakeLedger()
    ledger_store = FakeBilledCostStore()
    return ReconciliationService(accounts, costs, ledger_store, clock=FakeClock(now)), costs, ledger_store


def test_service_totals_and_trust_panel() -> None:
    svc, costs, store = service()
    costs.put_priced("t1", priced_day(OLD, row(), row("claude-mystery-9", cost=None)))
    store.write_days("t1", ACC, [ledger(OLD, billed(OLD, "15"), billed(OLD, "5", model="claude-mystery-9"))])
    costs.put_priced("t1", priced_day(RECENT, row(cost="3")))
    store.write_days("t1", ACC, [ledger(RECENT, billed(RECENT, "2"))])
    body = svc.reconcile("t1", ReconciliationQuery(OLD, RECENT))
    assert body["totals"] == {"billed": "22", "computed": "18", "difference": "-4", "agree_to_the_cent": False}
    assert body["settled_totals"]["billed"] == "20"
    trust = body["trust"]
    assert trust["matched_billed"] == "15" and trust["matched_percent"] == pytest.approx(68.18)
    assert trust["explained_billed"] == "7" and trust["unexplained_lines"] == 0
    assert trust["settled"]["matched_percent"] == 75.0
    # The eight settled days from November's rollup (its daily table), the two provisional ones from their priced
    # days (one not there), and two billed days.
    assert body["documents_read"] == 1 + 2 + 2


def test_api_validates_and_documents_the_route(world: World) -> None:
    svc, _, _ = service()
    world.app.services = replace(world.app.services, reconciliation=lambda: svc)
    ok = world.client.get("/v1/reconciliation?from=2026-11-01&to=2026-11-20", headers=world.token())
    assert ok.status_code == 200 and ok.get_json()["account_ids"] == [ACC]
    for query, field in (
        ("from=2026-11-01", "to"),
        ("from=2026-13-01&to=2026-11-20", "from"),
        ("from=2026-11-02&to=2026-11-01", "from"),
        ("from=2026-11-01&to=2026-11-02&account_id=nope", "account_id"),
        ("from=2026-11-01&to=2026-11-02&account_id=acc_00000000000000ff", "account_id"),
        ("from=2026-11-01&to=2026-11-02&group_by=model", "group_by"),
    ):
        r = world.client.get(f"/v1/reconciliation?{query}", headers=world.token())
        assert r.status_code in (400, 404, 422), (query, r.status_code)
        assert r.get_json()["error"]["field"] == field, query
    spec = world.client.get("/v1/openapi.json").get_json()
    assert "/v1/reconciliation" in spec["paths"]
    assert spec["paths"]["/v1/reconciliation"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
