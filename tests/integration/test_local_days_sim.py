"""Local-day views on the simulator's data: cut from priced days, equal to the hours priced one by one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from shared.pricing import default_catalogue
from shared.pricing.costing import price_bucket
from shared.services.usage_query import UsageQuery, UsageQueryService
from tests.integration.test_collector import KEY, NOW, Rig


@pytest.fixture
def rig() -> Iterator[Rig]:
    sim = AnthropicSimulator(now=lambda: NOW)
    profile = UsageProfile(seed=5, api_keys=4, workspaces=2, combos_per_hour=12, fast_share=0.2)
    sim.add_organization(SimOrganization(id="org_test", name="Test Org", admin_keys=[KEY], profile=profile))
    sim.start()
    r = Rig(sim, history_days=12)
    r.collect()
    r.price_published()
    yield r
    r.close()
    sim.stop()


@pytest.mark.parametrize("tz", ["America/New_York", "Asia/Kolkata", "Australia/Sydney"])
def test_local_days_cut_from_priced_days_equal_the_hours_priced_one_by_one(rig: Rig, tz: str) -> None:
    start, end = date(2026, 11, 10), date(2026, 11, 19)
    service = UsageQueryService(rig.accounts, rig.ledger, clock=rig.clock)
    body = service.query("t1", UsageQuery(start, end, ("day", "model", "api_key"), None, tz))
    zone = ZoneInfo(tz)
    want: dict[tuple[str, str, str | None], Decimal] = {}
    catalogue = default_catalogue()
    for (_, _, _), hours in rig.ledger.usage.items():
        for bucket in hours.values():
            local = bucket.hour_start.astimezone(zone).date()
            if not start <= local <= end:
                continue
            for row in price_bucket("anthropic", bucket, catalogue):
                key = (local.isoformat(), row.dims.model, row.dims.api_key_id)
                want[key] = want.get(key, Decimal(0)) + (row.cost.total if row.cost else Decimal(0))
    got = {(r["day"], r["model"], r["api_key_id"]): Decimal(r["total_cost"]) for r in body["rows"]}
    assert got == {k: v for k, v in want.items() if k in got} and set(got) == set(want)
    assert body["documents_read"] == (end - start).days + 2  # N local days from N + 1 priced days
    assert body["time_zone"] == tz
