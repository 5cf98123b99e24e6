"""A simulated Anthropic Admin API: a real HTTP server on loopback, for tests, benchmarks and the demo.

It follows the documented request and response shapes (see the reference page on the Admin API):
``/v1/organizations/me``, ``usage_report/messages`` (1m/1h/1d buckets, group_by, filters, paging),
``cost_report`` (cents, per token type), ``api_keys`` and ``workspaces`` (id paging) and the documented
error bodies. It is an independent oracle: nothing here imports the project's own domain or pricing, so
a test that compares the collector's numbers with :meth:`AnthropicSimulator.usage_rows` or
:meth:`AnthropicSimulator.expected_list_cost_usd` checks the project against a second implementation.

Four modules, one concern each: ``oracle`` (list prices and costing), ``data`` (the deterministic data
generator), ``api`` (request handling), ``server`` (the simulator, its switches and the CLI). The HTTP
plumbing both simulators share is ``local.simkit``.

Run the demo server with ``ANTHROPIC_SIM_ADMIN_KEYS=... python -m local.anthropic_sim --port 8790``.
"""

from local.anthropic_sim.api import FAST_MODE_BETA
from local.anthropic_sim.data import GROUP_FIELDS, SimOrganization, UsageProfile
from local.anthropic_sim.oracle import list_price_usd_per_mtok
from local.anthropic_sim.server import ADMIN_KEYS_ENV, AnthropicSimulator, main
from local.simkit import SimRequest

__all__ = [
    "ADMIN_KEYS_ENV",
    "FAST_MODE_BETA",
    "GROUP_FIELDS",
    "AnthropicSimulator",
    "SimOrganization",
    "SimRequest",
    "UsageProfile",
    "list_price_usd_per_mtok",
    "main",
]
