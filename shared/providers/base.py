"""What a provider plug-in is: one adapter per provider, and nothing outside the registry names a provider.

A provider brings: how its admin keys look (refused before any call when they cannot be right, with what to
do instead), a client that verifies a key and names the organization, lists key and workspace names, reads
usage pages and the billed ledger (each mapped onto our usage classes and cost classes), and the words its
console uses. Adding a provider (Bedrock, Vertex) means one adapter module here, one simulator in local/
and one price source in the catalogue.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from shared.domain.accounts import Names
from shared.domain.billed import BilledCost, ServedDay
from shared.domain.usage import SourceHour, UsageBucket
from shared.providers.errors import MalformedResponse, ProviderError, ProviderUnavailable

if TYPE_CHECKING:
    import httpx  # only types here: clients import it when made (the alert functions never load it)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Organization:
    """The provider organization a key administers."""

    id: str
    name: str


class ProviderClient(Protocol):
    """One organization's admin API, read with its admin key."""

    requests_made: int

    def organization(self) -> Organization: ...

    def usage_buckets(self, start: datetime, end: datetime) -> Iterator[UsageBucket]:
        """Every hourly bucket of ``[start, end)`` the provider returns, oldest first, rows in our classes."""
        ...

    def usage_hours(self, start: datetime, end: datetime) -> Iterator[SourceHour]:
        """The same hours, each with its digest known before its rows are parsed (parsed on demand)."""
        ...

    def names(self) -> Names: ...

    def billed_days(self, start: date, end: date) -> dict[date, tuple[BilledCost, ...]]:
        """The billed ledger of the UTC days of ``[start, end)`` that the provider has served."""
        ...

    def billed_sources(self, start: date, end: date) -> dict[date, ServedDay]:
        """The same days, each with its digest known before its lines are parsed (parsed on demand)."""
        ...


class KeyShapeError(ValueError):
    """A key that cannot be this provider's admin key; ``code`` says which kind it looks like."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


ClientFactory = Callable[[str, str, "httpx.Client", float | None], ProviderClient]
"""(api_key, base_url, http client, monotonic deadline) -> a client."""


@dataclass(frozen=True)
class Provider:
    """One provider plug-in (see the module docstring).

    Attributes:
        workspace_word: what the provider calls the unit our views call a workspace ("project" at OpenAI).
        default_workspace_name: the name of the null workspace (the organization's default one).
        no_key_name: the name of usage reported with no API key.
        tiers_not_billed: service tiers absent from the billed ledger (committed capacity billed apart).
        ledger_name: what the provider calls its billed ledger.
        admin_key: the whole shape of an Admin key (the API schema states it; check_key explains a refusal).
    """

    name: str
    label: str
    key_prefix: str
    admin_key: re.Pattern[str]
    check_key: Callable[[str], None]
    client: ClientFactory
    ledger_name: str
    base_url_setting: str
    workspace_word: str
    default_workspace_name: str
    no_key_name: str
    admin_key_help: str
    tiers_not_billed: frozenset[str] = frozenset()

    def key_hint(self, api_key: str) -> str:
        """What a person may see of a key: its kind and last four characters."""
        prefix = self.key_prefix if api_key.startswith(self.key_prefix) else api_key[:7]
        return f"{prefix}...{api_key[-4:]}"


class HttpJsonClient:
    """The retry loop both admin APIs share: 429 honouring retry-after, 5xx/529/timeouts with exponential
    backoff and full jitter, within a deadline; anything else raises the project's own errors at once."""

    provider_label = "the provider"

    def __init__(
        self,
        *,
        base_url: str,
        http: httpx.Client,
        deadline: float | None = None,
        max_attempts: int = 6,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._http = http
        self._deadline = deadline
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._clock = clock
        self.requests_made = 0
        import httpx

        self.last_headers: httpx.Headers = httpx.Headers()

    def _headers(self) -> dict[str, str]:
        raise NotImplementedError

    def _error_for(self, response: httpx.Response) -> ProviderError:
        raise NotImplementedError

    def _get(self, path: str, params: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        import httpx

        attempt = 0
        label = self.provider_label
        while True:
            attempt += 1
            self.requests_made += 1
            try:
                response = self._http.get(
                    self._base + path, params=httpx.QueryParams(tuple(params or ())), headers=self._headers()
                )
            except httpx.TimeoutException as exc:
                error: ProviderError = ProviderUnavailable(f"{label} did not answer in time ({type(exc).__name__})")
            except httpx.TransportError as exc:
                error = ProviderUnavailable(f"could not reach {label} at {self._base} ({type(exc).__name__})")
            else:
                if response.status_code == 200:
                    try:
                        body = response.json()
                    except ValueError:
                        error = MalformedResponse(f"{label} answered 200 with a body that is not JSON")
                    else:
                        if isinstance(body, dict):
                            self.last_headers = response.headers
                            return body
                        error = MalformedResponse(f"{label} answered 200 with a body that is not an object")
                else:
                    error = self._error_for(response)
            if not error.retryable or attempt >= self._max_attempts:
                raise error
            wait = self._backoff(attempt, error)
            if self._deadline is not None and self._clock() + wait > self._deadline:
                raise error
            log.warning(
                "provider request failed, retrying",
                extra={"provider": label, "path": path, "status": error.status, "attempt": attempt, "wait": wait},
            )
            self._sleep(wait)

    def _report_pages(
        self, path: str, params: list[tuple[str, str]], what: str
    ) -> Iterator[list[tuple[dict[str, Any], list[Any]]]]:
        """The pages of a bucketed report (``data``: buckets, each with its ``results``), following
        ``next_page`` while ``has_more``: each page as (bucket, results) pairs. Both providers' usage and
        cost reports paginate this way. Raises MalformedResponse naming ``what`` on another shape."""
        page: str | None = None
        while True:
            body = self._get(path, params + ([("page", page)] if page else []))
            try:
                data = body["data"]
                if not isinstance(data, list):
                    raise TypeError("data is not a list")
                buckets: list[tuple[dict[str, Any], list[Any]]] = []
                for bucket in data:
                    if not isinstance(bucket, dict):
                        raise TypeError("a bucket is not an object")
                    results = bucket.get("results") or []
                    if not isinstance(results, list):
                        raise TypeError("results is not a list")
                    buckets.append((bucket, results))
                has_more = bool(body.get("has_more"))
                next_page = body.get("next_page")
            except (KeyError, TypeError) as exc:
                raise MalformedResponse(f"{what} page is not the documented shape: {exc}") from exc
            yield buckets
            if not (has_more and next_page):
                return
            page = str(next_page)

    def _list(
        self, path: str, extra: Sequence[tuple[str, str]], *, limit: int, cursor: str
    ) -> Iterator[dict[str, Any]]:
        """Every item of a listing (``data``), following ``last_id`` through the ``cursor`` parameter."""
        after: str | None = None
        while True:
            body = self._get(path, [("limit", str(limit)), *extra, *([(cursor, after)] if after else [])])
            data = body.get("data")
            if not isinstance(data, list):
                raise MalformedResponse(f"{path} answered without a data list")
            yield from (d for d in data if isinstance(d, dict))
            last = body.get("last_id")
            if not body.get("has_more") or not last:
                return
            after = str(last)

    @staticmethod
    def _backoff(attempt: int, error: ProviderError) -> float:
        if isinstance(error, ProviderUnavailable) and error.retry_after is not None:
            return max(error.retry_after, 0.0)
        # Exponential backoff with full jitter, capped: 0.5 s, 1 s, 2 s, ... at most 30 s.
        return float(random.uniform(0, min(30.0, 0.5 * 2 ** (attempt - 1))))

    @staticmethod
    def retry_after(response: httpx.Response) -> float | None:
        raw = response.headers.get("retry-after")
        if not raw:
            return None
        try:
            return float(raw)
        except ValueError:
            return None


def unix(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp())


def served_digest(bucket: str, results: Sequence[Any]) -> str:
    """A fingerprint of the results a report served for a bucket (an hour of usage, a day of cost; ``bucket``
    names it), as parsed JSON. It costs a small fraction of parsing them (pickle's C encoder, one call for the
    bucket), so an unchanged bucket is recognised without parsing it.

    Different results never give the same bytes. The same results may, in theory, encode differently (served
    in another order, or decoded with other objects shared): the bucket then reads as changed and is written
    again, which is harmless."""
    encoded = pickle.dumps(list(results), protocol=5)
    return hashlib.sha256(bucket.encode() + encoded).hexdigest()[:32]


def count(value: Any) -> int:
    """A non-negative integer count from a provider field (null is 0)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a count, got {value!r}")
    return value
