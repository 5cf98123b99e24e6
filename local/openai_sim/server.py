"""The simulated OpenAI organization Admin API as a server: lifecycle, switches, ground truth for tests
(the oracle methods), and the CLI.

Run the demo server with ``OPENAI_SIM_ADMIN_KEYS=sk-admin-... python -m local.openai_sim --port 8791``.
Keys come from environment variables (comma- or space-separated) and/or files (one key a line), never from a
command-line value (``ps`` and shell history would show it); the console shows only masked hints:

- admin keys: ``OPENAI_SIM_ADMIN_KEYS`` / ``--admin-key-file PATH`` (with neither, a fixed demo key);
- project keys (answer 403): ``OPENAI_SIM_PROJECT_KEYS`` / ``--project-key-file PATH``;
- service-account keys (answer 403): ``OPENAI_SIM_SERVICE_ACCOUNT_KEYS`` / ``--service-account-key-file PATH``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, localcontext
from typing import Any

from local.openai_sim.api import FAULT_MESSAGES, OpenAIApi, error_document, served_parts, usage_result
from local.openai_sim.data import GROUP_FIELDS, SimOrganization, UsageProfile
from local.openai_sim.oracle import CostLine
from local.simkit import (
    HOUR,
    ApiError,
    SimulatorBase,
    aggregate_rows,
    digest,
    hour_of,
    read_keys,
    serve_until_interrupted,
)

ADMIN_KEYS_ENV = "OPENAI_SIM_ADMIN_KEYS"
PROJECT_KEYS_ENV = "OPENAI_SIM_PROJECT_KEYS"
SERVICE_ACCOUNT_KEYS_ENV = "OPENAI_SIM_SERVICE_ACCOUNT_KEYS"
DEMO_ADMIN_KEY = "sk-admin-local-demo-simulated-key"  # simulator only: not a real key


class OpenAISimulator(SimulatorBase):
    """A local, deterministic OpenAI organization Admin API (Usage, Costs, projects, keys, users).

    Usage::

        sim = OpenAISimulator(now=lambda: datetime(2026, 11, 5, 10, 30, tzinfo=UTC))
        sim.add_organization(SimOrganization("org-acme", "Acme", admin_keys=["sk-admin-x..."]))
        base_url = sim.start()   # then GET {base_url}/v1/organization/usage/completions?start_time=...
        ...
        sim.stop()

    ``now`` fixes the simulated clock (usage exists up to it; the running bucket is partial).
    """

    server_version = "OpenAISim/1.0"
    request_id_header = "x-request-id"
    fault_messages = FAULT_MESSAGES

    def __init__(self, host: str = "127.0.0.1", port: int = 0, now: Callable[[], datetime] | None = None) -> None:
        self._api = OpenAIApi()
        super().__init__(self._api, host, port, now)

    # -- configuration -------------------------------------------------------------------------------

    def add_organization(self, org: SimOrganization) -> None:
        """Serve ``org``: its admin keys read it; its project and service-account keys get 403."""
        self._api.add_organization(org)

    # -- ground truth for tests ----------------------------------------------------------------------

    def usage_rows(self, org_id: str, hour_start: datetime, endpoint: str = "completions") -> list[dict[str, Any]]:
        """What ``/v1/organization/usage/{endpoint}`` serves for one hour grouped by every group field,
        independent of paging: the ground truth a collector's rows must equal."""
        if endpoint not in GROUP_FIELDS:
            raise ValueError(f"unknown usage endpoint {endpoint!r}")
        data = self._api.org(org_id)
        parts = served_parts(data, endpoint, hour_of(hour_start), HOUR, self._now())
        mask = [True] * len(GROUP_FIELDS[endpoint])
        legacy = data.org.profile.legacy_fields
        return [usage_result(endpoint, d, c, mask, legacy) for d, c in aggregate_rows(parts, mask, [], False)]

    def expected_list_cost_usd(self, org_id: str, start: datetime, end: datetime) -> Decimal:
        """List-price cost (exact, USD) of the usage in the hours starting in ``[hour(start), end)``, priced by
        the simulator's own table: every usage endpoint, and vector storage as its share of each day (elapsed
        seconds / 86400). Scale Tier (no list price) and ledger-only items (not usage) are left out."""
        return sum(self.expected_cost_by_model(org_id, start, end).values(), Decimal(0))

    def expected_cost_by_model(self, org_id: str, start: datetime, end: datetime) -> dict[str, Decimal]:
        """:meth:`expected_list_cost_usd` per model (exact); items that bill no model (tool calls, code
        interpreter sessions, vector storage) are keyed by their Costs line item, e.g. ``"web search tool
        calls"``. For one day, pass that day's midnight and the next."""
        data = self._api.org(org_id)
        now = self._now()
        out: dict[str, Decimal] = {}
        with localcontext() as ctx:
            ctx.prec = 50
            hour = hour_of(start)
            while hour < end:
                for line in data.hour_lines(hour, now):
                    name = line.model or line.line_item
                    out[name] = out.get(name, Decimal(0)) + line.amount_usd
                hour += HOUR
        return out

    def billed_cost_lines(self, org_id: str, day: date) -> list[CostLine]:
        """The Costs ledger of one UTC day as it stands now, exact, per (project, API key, line item): what
        ``/v1/organization/costs?group_by=project_id,line_item,api_key_id`` serves, before the conversion of
        amounts to JSON numbers. Includes ledger-only lines (fine-tuning training)."""
        return self._api.org(org_id).day_lines(day, self._now())

    def billed_cost_usd(self, org_id: str, start: datetime | date, end: datetime | date) -> Decimal:
        """The Costs ledger's total (exact, USD) over the UTC days starting in ``[day(start), end)``."""
        first = start.astimezone(UTC).date() if isinstance(start, datetime) else start
        stop = end if isinstance(end, datetime) else datetime.combine(end, time(), UTC)
        total = Decimal(0)
        day = first
        while datetime.combine(day, time(), UTC) < stop:
            total += sum((line.amount_usd for line in self.billed_cost_lines(org_id, day)), Decimal(0))
            day += timedelta(days=1)
        return total

    def projects(self, org_id: str) -> list[dict[str, Any]]:
        """Every project of the organization (archived too), the default project first."""
        return [dict(p) for p in self._api.org(org_id).projects]

    def api_keys(self, org_id: str) -> list[dict[str, Any]]:
        """Every project API key, with the simulator's own ``project_id`` and ``usage_project`` (None for the
        default project, as usage reports it) and ``user_id`` (the owner; None for service accounts)."""
        return [dict(k) for k in self._api.org(org_id).keys]

    def patterns(self, org_id: str) -> dict[str, dict[str, Any]]:
        """The usage patterns switched on by the organization's profile (``UsageProfile.patterns``), each with
        the key that carries it: ``{name: {"api_key_id", "name", "project_id", "models", "description"}}``."""
        return {name: dict(info) for name, info in self._api.org(org_id).pattern_keys.items()}

    # -- hooks of SimulatorBase ----------------------------------------------------------------------

    def _error_body(self, err: ApiError, request_id: str) -> bytes:
        return json.dumps(error_document(err)).encode()

    def _error_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        org_id = self._api.org_of(headers, self._is_revoked)
        return {"openai-organization": org_id} if org_id is not None else {}

    def _request_id(self, n: int) -> str:
        return "req_" + digest("openai-request", n).hex()[:32]


# --------------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Serve a demo organization until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m local.openai_sim",
        description="Simulated OpenAI organization Admin API (usage, costs, projects, keys, users). Keys come "
        f"from {ADMIN_KEYS_ENV}, {PROJECT_KEYS_ENV}, {SERVICE_ACCOUNT_KEYS_ENV} (comma-separated) or the "
        "--*-key-file options, never from the command line.",
        allow_abbrev=False,  # "--admin-key VALUE" must not be taken for --admin-key-file
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--org-id", default="org-demo")
    parser.add_argument("--org-name", default="Demo Org")
    parser.add_argument("--admin-key-file", metavar="PATH", help="admin key(s), one a line")
    parser.add_argument("--project-key-file", metavar="PATH", help="project keys (they answer 403), one a line")
    parser.add_argument("--service-account-key-file", metavar="PATH", help="service-account keys (403), one a line")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--projects", type=int, default=3)
    parser.add_argument("--api-keys", type=int, default=6)
    parser.add_argument("--combos-per-hour", type=int, default=14)
    parser.add_argument("--history-days", type=int, default=0, help="usage starts this many days ago (0: unlimited)")
    parser.add_argument("--legacy-fields", action="store_true", help="serve the pre-July-2026 completions shape")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument(
        "--patterns", default="", help="comma-separated usage patterns for the savings advice (local.simkit)"
    )
    argv = list(sys.argv[1:] if argv is None else argv)
    if any(a.split("=", 1)[0] in ("--admin-key", "--project-key", "--service-account-key") for a in argv):
        parser.error(f"keys are not taken on the command line (ps shows them): use {ADMIN_KEYS_ENV} or a key file")
    args = parser.parse_args(argv)

    admin_keys = read_keys(ADMIN_KEYS_ENV, args.admin_key_file) or [DEMO_ADMIN_KEY]
    data_starts = datetime.now(UTC) - timedelta(days=args.history_days) if args.history_days > 0 else None
    profile = UsageProfile(
        seed=args.seed,
        projects=args.projects,
        api_keys=args.api_keys,
        combos_per_hour=args.combos_per_hour,
        patterns=tuple(n.strip() for n in args.patterns.split(",") if n.strip()),
        legacy_fields=args.legacy_fields,
    )
    sim = OpenAISimulator(host=args.host, port=args.port)
    try:
        sim.add_organization(
            SimOrganization(
                id=args.org_id,
                name=args.org_name,
                admin_keys=admin_keys,
                project_keys=read_keys(PROJECT_KEYS_ENV, args.project_key_file),
                service_account_keys=read_keys(SERVICE_ACCOUNT_KEYS_ENV, args.service_account_key_file),
                profile=profile,
                data_starts=data_starts,
            )
        )
    except ValueError as err:  # an unknown pattern name
        parser.error(str(err))
    sim.set_latency(args.latency)
    serve_until_interrupted(sim, f"OpenAI Admin API simulator for {args.org_name} ({args.org_id})", admin_keys)
    return 0
