"""Schemathesis hooks for the contract run (loaded by the CLI through SCHEMATHESIS_HOOKS).

Three jobs, each narrow and written down:

1. Protect what the run must not destroy: the demo account (no DELETE of it) and the owner the run acts
   as (no demotion or removal). The generated request still goes out, aimed at an id that does not exist.
2. Keep every request on this machine: a webhook URL is rewritten to an unbound loopback port whenever its
   host is, or resolves to (numeric forms such as ``http://134744072/`` included), anything but loopback;
   the server would otherwise POST test alerts to it.
3. Accept the refusals no JSON Schema can state, and only those: a schema-valid request refused because of
   something outside the request (the provider refusing a key, a URL that does not resolve, an id that names
   nothing of the tenant's, a date range in the wrong order). Each is (operation, status, error field) in
   SEMANTIC_REFUSALS below and documented in the OpenAPI description of that status. A schema-violating
   body refused with 413 (too large) is a refusal too. Every other failure fails the run.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import socket
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import schemathesis
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.openapi.checks import RejectedPositiveData

LOG = os.environ.get("TM_CONTRACT_LOG", "")
"""Where each call's operation and status, and each dropped failure, are written (one JSON line each)."""
PROTECTED_ACCOUNT = os.environ.get("TM_CONTRACT_PROTECTED_ACCOUNT", "")
OWNER = os.environ.get("TM_CONTRACT_OWNER", "")
SAFE_HOST = "127.0.0.1:9"  # discard port: nothing listens, a test alert fails fast and locally
MISSING_ACCOUNT = "acc_0000000000000000"

SEMANTIC_REFUSALS: dict[tuple[str, str], tuple[tuple[int, str], ...]] = {
    # The key is verified live with the provider: a well-formed key it does not know is refused.
    ("POST", "/v1/accounts"): ((422, r"api_key"),),
    ("POST", "/v1/accounts/{id}/rotate"): ((422, r"api_key"),),
    # Ids that must name the tenant's own accounts and channels; a PATCH of scope must fit the stored budget.
    ("POST", "/v1/budgets"): ((422, r"scope_id|channel_ids"),),
    ("PATCH", "/v1/budgets/{id}"): ((422, r"scope_id|channel_ids|scope"),),
    # A webhook URL must resolve to an allowed address; a PATCH must fit the stored channel's type;
    # addresses are compared case-insensitively.
    ("POST", "/v1/alert-channels"): ((422, r"url|emails"),),
    ("PATCH", "/v1/alert-channels/{id}"): ((422, r"url|emails|format|rotate_secret|type"),),
    # until after effective_from; cards of one provider and model must not overlap.
    ("PUT", "/v1/rate-cards"): ((422, r"rate_cards(\.\d+\.until)?"),),
    # from <= to, range limits, the plan's history window (all relations between values or with the tenant).
    ("GET", "/v1/usage"): ((400, r"from|to|group_by"),),
    ("GET", "/v1/usage/export.csv"): ((400, r"from|to|group_by"),),
    ("GET", "/v1/usage/export.focus.csv"): ((400, r"from|to|group_by"),),
    ("GET", "/v1/usage/explain"): ((400, r"from|to"),),
    ("GET", "/v1/reconciliation"): ((400, r"from|to"),),
    ("GET", "/v1/whatif"): ((400, r"from|to"),),
    ("GET", "/v1/whatif/suggestions"): ((400, r"from|to"),),
    ("GET", "/v1/advice"): ((400, r"from|to"),),
}


def _is_loopback_only(host: str) -> bool:
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return True  # does not resolve: the server refuses it without sending anything
    return all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos)


def _safe_url(url: Any) -> Any:
    if not isinstance(url, str):
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return url
    if not host or _is_loopback_only(host):
        return url
    netloc = parts.netloc.rsplit("@", 1)[0] + "@" + SAFE_HOST if "@" in parts.netloc else SAFE_HOST
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _decoded(value: Any) -> Any:
    return unquote(value) if isinstance(value, str) else value


def _retarget(case: Any, name: str, value: str) -> None:
    """Point a path parameter elsewhere: in place (the stateful phase formats the path from the same
    mapping), and by assignment (the other phases)."""
    with contextlib.suppress(TypeError):
        case.path_parameters[name] = value
    case.path_parameters = {**dict(case.path_parameters or {}), name: value}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    method, path = case.method.upper(), case.operation.path
    params = dict(case.path_parameters or {})  # a mapping of schemathesis' own, not a dict
    # A value may arrive percent-encoded (the stateful phase takes it from a link): compare it decoded.
    if method == "DELETE" and path == "/v1/accounts/{id}" and _decoded(params.get("id")) == PROTECTED_ACCOUNT:
        _retarget(case, "id", MISSING_ACCOUNT)
    if path == "/v1/members/{user_id}" and _decoded(params.get("user_id")) == OWNER:
        _retarget(case, "user_id", "not-the-owner")
    if path.startswith("/v1/alert-channels") and isinstance(case.body, dict) and "url" in case.body:
        safe = _safe_url(case.body["url"])
        if safe != case.body["url"]:
            case.body = {**case.body, "url": safe}


def _log(record: dict[str, Any]) -> None:
    if LOG:
        with open(LOG, "a") as f:
            f.write(json.dumps(record) + "\n")


def _error(response: Any) -> dict[str, Any]:
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        return {}
    return error if isinstance(error, dict) else {}


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    error = _error(response)
    _log(
        {
            "op": f"{case.method.upper()} {case.operation.path}",
            "path": case.formatted_path if case.operation.path.startswith("/v1/members") else None,
            "status": response.status_code,
            "code": error.get("code"),
            "field": error.get("field"),
            "message": str(error.get("message"))[:200] if response.status_code == 403 else None,
        }
    )


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """False drops the failure: a positive-data rejection that SEMANTIC_REFUSALS names, or schema-violating
    data refused as too large (413, documented: the body limit is the server's, not the schema's)."""
    if isinstance(failure, AcceptedNegativeData) and response.status_code == 413:
        _log({"dropped": f"{case.method.upper()} {case.operation.path}", "status": 413, "field": "body"})
        return False
    if not isinstance(failure, RejectedPositiveData):
        return True
    op = (case.method.upper(), case.operation.path)
    field = _error(response).get("field") or ""
    allowed = SEMANTIC_REFUSALS.get(op, ())
    if any(response.status_code == status and re.fullmatch(pattern, field) for status, pattern in allowed):
        _log({"dropped": " ".join(op), "status": response.status_code, "field": field})
        return False
    return True
