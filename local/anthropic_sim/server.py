"""The simulated Anthropic Admin API as a server: lifecycle, switches, ground truth for tests, and the CLI.

Run the demo server with ``python -m local.anthropic_sim --port 8790``. The admin key(s) come from the
environment variable ``ANTHROPIC_SIM_ADMIN_KEYS`` (comma- or space-separated) and/or a file named by
``--admin-key-file PATH`` (one key a line), never from a command-line value (``ps`` would show it); the
console shows only masked hints (``sk-ant-admin01-...abcd``). With neither, a fixed demo key is used.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, localcontext
from typing import Any

from local.anthropic_sim.api import FAULT_MESSAGES, AnthropicApi, error_body, usage_result
from local.anthropic_sim.data import GROUP_FIELDS, SimOrganization, UsageProfile, priced
from local.anthropic_sim.oracle import cost_lines
from local.simkit import ApiError, SimulatorBase, hour_of, read_keys, serve_until_interrupted

ADMIN_KEYS_ENV = "ANTHROPIC_SIM_ADMIN_KEYS"
DEMO_ADMIN_KEY = "sk-ant-admin01-local-demo-key"  # simulator only: not a real key


class AnthropicSimulator(SimulatorBase):
    """A local, deterministic Anthropic Admin API.

    Usage::

        sim = AnthropicSimulator(now=lambda: datetime(2026, 11, 5, 10, 30, tzinfo=UTC))
        sim.add_organization(SimOrganization("org_1", "Acme", admin_keys=["sk-ant-admin01-x"]))
        base_url = sim.start()
        ...
        sim.stop()

    ``now`` fixes the simulated clock (usage exists up to it; the running hour is partial).
    """

    server_version = "AnthropicSim/1.0"
    fault_messages = FAULT_MESSAGES

    def __init__(self, host: str = "127.0.0.1", port: int = 0, now: Callable[[], datetime] | None = None) -> None:
        self._api = AnthropicApi()
        super().__init__(self._api, host, port, now)

    # -- configuration -------------------------------------------------------------------------------

    def add_organization(self, org: SimOrganization) -> None:
        """Serve ``org``; its admin keys read it, its workspace keys get 403 on admin endpoints."""
        self._api.add_organization(org)

    # -- ground truth for tests ----------------------------------------------------------------------

    def usage_rows(self, org_id: str, hour_start: datetime) -> list[dict[str, Any]]:
        """The hour's results as served when grouped by every field (with the fast-mode beta, so
        ``speed`` is present): the ground truth a collector's rows must equal."""
        data = self._api.org(org_id)
        mask = [True] * len(GROUP_FIELDS)
        return [usage_result(d, c, mask, True) for d, c in data.served_hour(hour_of(hour_start), self._now())]

    def expected_list_cost_usd(self, org_id: str, start: datetime, end: datetime) -> Decimal:
        """List-price cost (exact, USD) of the usage in the hours starting in ``[hour(start), end)``, by
        the simulator's own price table. Priority Tier usage has no list price and is left out, as in the
        cost report."""
        data = self._api.org(org_id)
        now = self._now()
        by_day: dict[date, list[datetime]] = {}
        hour = hour_of(start)
        while hour < end:
            by_day.setdefault(hour.date(), []).append(hour)
            hour += timedelta(hours=1)
        total = Decimal(0)
        with localcontext() as ctx:
            ctx.prec = 50
            for day, hours in by_day.items():
                rows = itertools.chain.from_iterable(data.served_hour(h, now) for h in hours)
                total += sum(cost_lines(map(priced, rows), day).values(), Decimal(0))
            return total / 100

    def patterns(self, org_id: str) -> dict[str, dict[str, Any]]:
        """The usage patterns switched on by the organization's profile (``UsageProfile.patterns``), each with
        the key that carries it: ``{name: {"api_key_id", "name", "workspace_id", "models", "description"}}``."""
        return {name: dict(info) for name, info in self._api.org(org_id).pattern_keys.items()}

    # -- hooks of SimulatorBase ----------------------------------------------------------------------

    def _error_body(self, err: ApiError, request_id: str) -> bytes:
        return error_body(err, request_id)


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a demo organization until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m local.anthropic_sim",
        description="Simulated Anthropic Admin API. Admin keys come from the environment variable "
        f"{ADMIN_KEYS_ENV} (comma-separated) or --admin-key-file, never from the command line.",
        allow_abbrev=False,  # "--admin-key VALUE" must not be taken for --admin-key-file
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--org-id", default="org_demo")
    parser.add_argument("--org-name", default="Demo Org")
    parser.add_argument("--admin-key-file", metavar="PATH", help="a file with the admin key(s), one a line")
    parser.add_argument(
        "--workspace-key-file", metavar="PATH", help="a file with workspace keys (they answer 403), one a line"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--api-keys", type=int, default=5)
    parser.add_argument("--workspaces", type=int, default=2)
    parser.add_argument("--combos-per-hour", type=int, default=12)
    parser.add_argument("--history-days", type=int, default=0, help="usage starts this many days ago (0: unlimited)")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument(
        "--patterns", default="", help="comma-separated usage patterns for the savings advice (local.simkit)"
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a == "--admin-key" or a.startswith("--admin-key=") for a in argv):
        parser.error(f"--admin-key was removed (a key on the command line shows in ps): use {ADMIN_KEYS_ENV}")
    args = parser.parse_args(argv)

    admin_keys = read_keys(ADMIN_KEYS_ENV, args.admin_key_file) or [DEMO_ADMIN_KEY]
    workspace_keys = read_keys("ANTHROPIC_SIM_WORKSPACE_KEYS", args.workspace_key_file)
    data_starts = datetime.now(UTC) - timedelta(days=args.history_days) if args.history_days > 0 else None
    profile = UsageProfile(
        seed=args.seed,
        api_keys=args.api_keys,
        workspaces=args.workspaces,
        combos_per_hour=args.combos_per_hour,
        patterns=tuple(n.strip() for n in args.patterns.split(",") if n.strip()),
    )
    sim = AnthropicSimulator(host=args.host, port=args.port)
    try:
        sim.add_organization(
            SimOrganization(
                id=args.org_id,
                name=args.org_name,
                admin_keys=admin_keys,
                workspace_keys=workspace_keys,
                profile=profile,
                data_starts=data_starts,
            )
        )
    except ValueError as err:  # an unknown pattern name
        parser.error(str(err))
    sim.set_latency(args.latency)
    serve_until_interrupted(sim, f"Anthropic Admin API simulator for {args.org_name} ({args.org_id})", admin_keys)
    return 0
