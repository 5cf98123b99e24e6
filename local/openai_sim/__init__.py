"""A simulated OpenAI organization Admin API: a real HTTP server on loopback, for tests and the local demo.

It follows the documented shapes of ``/v1/organization/usage/*`` (completions, embeddings, moderations,
images, audio speeches and transcriptions, vector stores, code interpreter sessions, file and web search
calls), ``/v1/organization/costs``, ``/v1/organization/projects`` (and each project's ``api_keys``),
``/v1/organization/admin_api_keys`` and ``/v1/organization/users``, with OpenAI's error bodies; the field
semantics and their sources are in ``api.py``'s docstring. It is an independent oracle: nothing here imports
the project's ``shared`` package, so a test that compares the collector's numbers with
:meth:`OpenAISimulator.usage_rows`, :meth:`OpenAISimulator.expected_list_cost_usd` or
:meth:`OpenAISimulator.billed_cost_usd` checks the project against a second implementation.

Four modules, one concern each: ``oracle`` (list prices with dates and sources; costing), ``data`` (the
deterministic data generator), ``api`` (request handling), ``server`` (the simulator, its switches and the
CLI). The HTTP plumbing shared with the Anthropic simulator is ``local.simkit``.

Run the demo server with ``OPENAI_SIM_ADMIN_KEYS=sk-admin-... python -m local.openai_sim --port 8791``.
"""

from local.openai_sim.data import GROUP_FIELDS, KINDS, SimOrganization, UsageProfile
from local.openai_sim.oracle import FAST_RENAMED, CostLine, chat_rates
from local.openai_sim.server import (
    ADMIN_KEYS_ENV,
    PROJECT_KEYS_ENV,
    SERVICE_ACCOUNT_KEYS_ENV,
    OpenAISimulator,
    main,
)
from local.simkit import SimRequest

__all__ = [
    "ADMIN_KEYS_ENV",
    "FAST_RENAMED",
    "GROUP_FIELDS",
    "KINDS",
    "PROJECT_KEYS_ENV",
    "SERVICE_ACCOUNT_KEYS_ENV",
    "CostLine",
    "OpenAISimulator",
    "SimOrganization",
    "SimRequest",
    "UsageProfile",
    "chat_rates",
    "main",
]
