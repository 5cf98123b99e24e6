"""What the simulated provider APIs share: the HTTP server, switches (faults, malformed pages, latency, revoked
keys, a request log), page cursors, lazily generated hourly usage, and the key handling of their CLIs.

Two simulators build on it: ``local.anthropic_sim`` and ``local.openai_sim``. Each keeps its own documented
shapes, errors and prices; only plumbing that would otherwise be written twice lives here. Nothing here
imports the project's ``shared`` package: the simulators stay an independent oracle.

A simulator subclasses :class:`SimulatorBase`, hands it its request handling (a :class:`ProviderApi`:
authenticate and answer one request with a JSON payload, or raise :class:`ApiError`) and implements
``_error_body(err, request_id)``, the provider's error document.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import json
import math
import os
import random
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar, cast
from urllib.parse import parse_qs, urlsplit

Dims = tuple[Any, ...]
Counts = tuple[int, ...]
Row = tuple[Dims, Counts]
"""A usage row: its dimensions (a simulator-specific order) and its integer counts."""

JSON_HEADERS = {"content-type": "application/json"}
MALFORMED_KINDS = ("mixed", "invalid_json", "wrong_shape")

# --------------------------------------------------------------------------------------------------
# Deterministic randomness
# --------------------------------------------------------------------------------------------------

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def digest(*parts: object) -> bytes:
    """SHA-256 of the parts joined by ``:``: every derived value is a pure function of its parts."""
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def seed_int(*parts: object) -> int:
    """A 128-bit seed for ``random.Random`` from the parts."""
    return int.from_bytes(digest(*parts)[:16], "big")


def unit(*parts: object) -> float:
    """A deterministic float in [0, 1) from the parts."""
    return int.from_bytes(digest(*parts)[:7], "big") / float(1 << 56)


def base62(length: int, *parts: object) -> str:
    """``length`` base62 characters, deterministic from the parts."""
    n = int.from_bytes(digest(*parts), "big")
    chars = []
    for _ in range(length):
        n, rem = divmod(n, 62)
        chars.append(_B62[rem])
    return "".join(chars)


def rhythm(hour: datetime) -> float:
    """Relative activity of an hour: a daytime peak (~16 UTC, Europe + US overlap) and quiet weekends."""
    daily = 0.3 + 0.7 * math.exp(-(((hour.hour - 16) / 5.0) ** 2))
    weekly = (1.0, 1.0, 1.0, 1.0, 0.95, 0.5, 0.42)[hour.weekday()]
    return daily * weekly


# --------------------------------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------------------------------

MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def floor_to(moment: datetime, width: timedelta) -> datetime:
    """``moment`` in UTC, floored to a multiple of ``width`` (a minute, an hour or a day)."""
    moment = moment.astimezone(UTC)
    if width == DAY:
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if width == HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(second=0, microsecond=0)


def hour_start(moment: datetime) -> datetime:
    """The start of the UTC hour holding ``moment`` (which must be timezone-aware)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the simulator works in timezone-aware UTC")
    return floor_to(moment, HOUR)


hour_of = hour_start  # for methods whose parameter is named ``hour_start``


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def elapsed_seconds(hour: datetime, now: datetime) -> int:
    """Seconds of ``hour`` that have passed at ``now`` (0 to 3600)."""
    return max(0, min(3600, int((now - hour).total_seconds())))


def slice_rows(rows: Iterable[Row], lo: int, hi: int) -> tuple[Row, ...]:
    """The share of each row that falls in seconds [lo, hi) of its hour, as ``C(hi) - C(lo)`` with
    ``C(s) = count * s // 3600``: prefixes of any partition sum exactly to ``C(end)``."""
    out: list[Row] = []
    for dims, counts in rows:
        part = tuple(c * hi // 3600 - c * lo // 3600 for c in counts)
        if any(part):
            out.append((dims, part))
    return tuple(out)


K = TypeVar("K", bound=Hashable)


def sum_counts(rows: Iterable[tuple[K, Sequence[int]]]) -> dict[K, list[int]]:
    """Counts summed per key, in first-seen order (integers first: far fewer Decimal operations later)."""
    sums: dict[K, list[int]] = {}
    for key, counts in rows:
        acc = sums.get(key)
        if acc is None:
            sums[key] = list(counts)
        else:
            for i, c in enumerate(counts):
                acc[i] += c
    return sums


def aggregate_rows(
    parts: Sequence[tuple[Row, ...]],
    mask: Sequence[bool],
    filters: Sequence[tuple[int, frozenset[Any]]],
    passthrough: bool,
) -> Iterable[Row]:
    """Filter rows and sum them over the dimensions not grouped by (those become None), in first-seen order.

    ``filters`` are (dimension index, accepted values); ``passthrough`` skips the summing (the caller knows
    every dimension left out has a single value, so rows are already distinct).
    """
    if filters:
        parts = [tuple(r for r in rows if all(r[0][i] in vals for i, vals in filters)) for rows in parts]
    if passthrough:
        return parts[0]
    sums = sum_counts(
        (tuple(d if m else None for d, m in zip(dims, mask, strict=True)), counts)
        for rows in parts
        for dims, counts in rows
    )
    return [(k, tuple(v)) for k, v in sums.items()]


class Habit(Protocol):
    """A recurring usage combination's habits, as both simulators' ``Combo`` carry them."""

    @property
    def p_active(self) -> float: ...  # probability of being active in an average hour
    @property
    def base(self) -> float: ...  # size of the first count in a peak hour
    @property
    def ratios(self) -> tuple[float, ...]: ...  # every count relative to ``base``
    @property
    def starts_at(self) -> datetime | None: ...  # no usage before this hour
    @property
    def ends_before(self) -> datetime | None: ...  # no usage from this hour on
    @property
    def hours(self) -> frozenset[int] | None: ...  # active only in these UTC hours of the day
    @property
    def steady(self) -> bool: ...  # the same volume every active hour (a scheduled job)


def draw_counts(
    rng: random.Random, habit: Habit, hour: datetime, level: float, count_factor: float
) -> list[int] | None:
    """A recurring combination's counts in ``hour`` (None: not active then), drawn from ``rng`` in a fixed order.

    ``level`` is the hour's relative activity (daily and weekly rhythm), ``count_factor`` how much likelier any
    combination is to be active then; a steady habit ignores both.
    """
    if habit.ends_before is not None and hour >= habit.ends_before:
        return None
    if habit.starts_at is not None and hour < habit.starts_at:
        return None
    if habit.hours is not None and hour.hour not in habit.hours:
        return None
    if habit.steady:
        scale, lo, hi = habit.base * math.exp(rng.gauss(0.0, 0.05)), 0.97, 1.03
    elif rng.random() >= habit.p_active * count_factor:
        return None
    else:
        scale, lo, hi = habit.base * level * math.exp(rng.gauss(0.0, 0.35)), 0.8, 1.2
    return [int(scale * ratio * rng.uniform(lo, hi)) if ratio else 0 for ratio in habit.ratios]


@dataclass(frozen=True, slots=True)
class Window:
    """The bucket starts of one page and where the next page starts (None: this is the last page)."""

    starts: list[datetime]
    width: timedelta
    next_start: datetime | None


def page_window(
    start: datetime, end: datetime | None, width: timedelta, limit: int, now: datetime, *, overlap: bool
) -> Window:
    """At most ``limit`` buckets from ``start`` (floored to the grid), never beyond the bucket holding ``now``.

    ``end`` bounds the buckets: with ``overlap`` a bucket is served when it starts before ``end``, otherwise
    only when it ends at or before ``end``.
    """
    start = floor_to(start, width)
    cap = floor_to(now, width) + width
    if end is not None:
        cap = min(cap, end + width - timedelta(microseconds=1) if overlap else end)
    starts: list[datetime] = []
    cur = start
    while cur + width <= cap and len(starts) < limit:
        starts.append(cur)
        cur += width
    next_start = cur if starts and cur + width <= cap else None
    return Window(starts, width, next_start)


# --------------------------------------------------------------------------------------------------
# Errors, responses, page cursors
# --------------------------------------------------------------------------------------------------


class ApiError(Exception):
    """A documented error answer: status, message, and optionally the parameter and code it concerns."""

    def __init__(
        self,
        status: int,
        message: str,
        headers: Mapping[str, str] | None = None,
        *,
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.param = param
        self.code = code


@dataclass(slots=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def encode_page(moment: datetime) -> str:
    """A page cursor: ``page_`` and the base64 of the next bucket's start (RFC 3339)."""
    return "page_" + base64.b64encode(iso(moment).encode()).decode()


def decode_page(token: str, param: str = "page") -> datetime:
    """The bucket start a cursor from :func:`encode_page` names; 400 for anything else."""
    try:
        if not token.startswith("page_"):
            raise ValueError("prefix")
        payload = token[5:]
        text = base64.b64decode(payload + "=" * (-len(payload) % 4), altchars=b"-_").decode()
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            raise ValueError("naive")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiError(400, f"{param}: invalid page token {token!r}", param=param) from None
    return moment.astimezone(UTC)


def normalize_query(raw: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Merge ``name[]`` into ``name`` (SDKs send ``group_by[]=x``; curl users send ``group_by=x``)."""
    out: dict[str, list[str]] = {}
    for key, values in raw.items():
        out.setdefault(key.removesuffix("[]"), []).extend(values)
    return out


def one(query: Mapping[str, list[str]], name: str) -> str | None:
    """The last value of a query parameter (None when absent)."""
    values = query.get(name)
    return values[-1] if values else None


def parse_limit(query: Mapping[str, list[str]], default: int, maximum: int, context: str = "") -> int:
    """``limit`` between 1 and ``maximum`` (``default`` when absent); 400 naming ``limit`` otherwise."""
    text = one(query, "limit")
    if text is None:
        return default
    try:
        limit = int(text)
    except ValueError:
        raise ApiError(400, f"limit: not an integer: {text!r}", param="limit") from None
    if not 1 <= limit <= maximum:
        raise ApiError(400, f"limit: must be between 1 and {maximum}{context}, got {limit}", param="limit")
    return limit


def json_body(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


# --------------------------------------------------------------------------------------------------
# Lazily generated hourly usage
# --------------------------------------------------------------------------------------------------

# Hours kept generated (~85 days). An hour of 100 rows is ~30 kB; regenerating one takes well under a
# millisecond, far less than serialising it, so a bound that keeps memory modest costs little.
HOUR_CACHE = 2048


class HourlyUsage:
    """Usage generated one UTC hour at a time (cached), with restatements and the running hour served partially.

    Subclasses implement :meth:`_generate_hour`, a pure function of the hour (seeded ``random.Random``), so
    any window can be served in any order and always yields the same numbers.
    """

    def __init__(self, data_starts: datetime | None) -> None:
        self.data_starts = hour_start(data_starts) if data_starts is not None else None
        self.restatements: dict[datetime, float] = {}
        self._restate_lock = threading.Lock()
        self.base_hour = functools.lru_cache(maxsize=HOUR_CACHE)(self._generate_hour)

    def _generate_hour(self, hour: datetime) -> tuple[Row, ...]:
        raise NotImplementedError

    def restate(self, hour: datetime, factor: float) -> None:
        """The provider restates ``hour``: its counts are multiplied by ``factor`` (again on each call)."""
        with self._restate_lock:
            self.restatements[hour] = self.restatements.get(hour, 1.0) * factor

    def full_hour(self, hour: datetime) -> tuple[Row, ...]:
        """The complete hour's rows with restatements applied."""
        rows = self.base_hour(hour)
        factor = self.restatements.get(hour)
        if factor is None or factor == 1.0:
            return rows
        out: list[Row] = []
        for dims, counts in rows:
            scaled = tuple(round(c * factor) for c in counts)
            if any(scaled):
                out.append((dims, scaled))
        return tuple(out)

    def served_hour(self, hour: datetime, now: datetime) -> tuple[Row, ...]:
        """The hour as served at ``now``: the running hour scaled by its elapsed fraction (floored)."""
        elapsed = elapsed_seconds(hour, now)
        if elapsed <= 0:
            return ()
        rows = self.full_hour(hour)
        if elapsed >= 3600:
            return rows
        return slice_rows(rows, 0, elapsed)

    def served_minute(self, minute: datetime, now: datetime) -> tuple[Row, ...]:
        """One minute of an hour: the hour's counts spread evenly, so minutes add up to the hour exactly."""
        hour = hour_start(minute)
        elapsed = elapsed_seconds(hour, now)
        lo = (minute - hour).seconds
        if elapsed <= lo:
            return ()
        return slice_rows(self.full_hour(hour), lo, min(lo + 60, elapsed, 3600))

    def served(self, start: datetime, width: timedelta, now: datetime) -> list[tuple[Row, ...]]:
        """The rows of one bucket, as one tuple per hour (a day is 24 of them)."""
        if width == HOUR:
            return [self.served_hour(start, now)]
        if width == MINUTE:
            return [self.served_minute(start, now)]
        return [self.served_hour(start + timedelta(hours=h), now) for h in range(24)]


# --------------------------------------------------------------------------------------------------
# Switches and the request log
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimRequest:
    """One request the simulator answered (control endpoints under ``/_sim`` are not logged; keys never are)."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int


class RequestLog(list[SimRequest]):
    """A snapshot of the request log: a list, also callable (``sim.requests`` and ``sim.requests()`` agree)."""

    def __call__(self) -> RequestLog:
        return self


@dataclass(slots=True)
class _Fault:
    status: int
    remaining: int
    retry_after: int | None
    path_prefix: str


@dataclass(slots=True)
class _Malformed:
    remaining: int
    path_prefix: str
    kind: str
    served: int = 0


# --------------------------------------------------------------------------------------------------
# The HTTP server
# --------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """Threading server that can close its keep-alive connections and join their threads on stop."""

    daemon_threads = True
    block_on_close = True  # server_close() joins handler threads (after we shut their sockets down)
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], sim: SimulatorBase) -> None:
        self.sim = sim
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"server_version": sim.server_version})
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up (or a stop() mid-request) are normal here; anything else is printed."""
        if not isinstance(sys.exception(), OSError):
            super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Wake handler threads blocked on idle keep-alive connections so they can finish."""
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):  # already closed by the client
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: benchmarks page through thousands of buckets
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle plus delayed ACK stalls
    # every keep-alive response by ~40 ms.
    disable_nagle_algorithm = True
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log (it would print paths; keys are in headers, never logged)."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        sim = cast(_Server, self.server).sim
        split = urlsplit(self.path)
        raw_query = parse_qs(split.query, keep_blank_values=True)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if split.path.startswith("/_sim/"):
            response = sim._control(method, split.path, body)
        else:
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = sim._handle(method, split.path, raw_query, headers)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)


class ProviderApi(Protocol):
    """A simulated provider's request handling over the organizations it serves (``api.py`` of each simulator)."""

    def add_admin_key(self, org_id: str, key: str) -> None: ...

    def org(self, org_id: str) -> HourlyUsage: ...

    def answer(
        self,
        method: str,
        path: str,
        raw_query: dict[str, list[str]],
        headers: Mapping[str, str],
        now: datetime,
        revoked: Callable[[str], bool],
    ) -> tuple[Any, dict[str, str]]: ...


class SimulatorBase:
    """Lifecycle, switches, the request log and the control endpoints of a simulated provider API."""

    server_version = "Sim/1.0"
    request_id_header = "request-id"
    fault_messages: Mapping[int, str] = {}

    def __init__(
        self, api: ProviderApi, host: str = "127.0.0.1", port: int = 0, now: Callable[[], datetime] | None = None
    ) -> None:
        self._provider = api
        self._host = host
        self._port = port
        self._now_fn: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self._revoked: set[str] = set()
        self._faults: list[_Fault] = []
        self._malformed: list[_Malformed] = []
        self._latency = 0.0
        self._lock = threading.Lock()
        self._requests: list[SimRequest] = []
        self._request_counter = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- hooks ---------------------------------------------------------------------------------------

    def _error_body(self, err: ApiError, request_id: str) -> bytes:
        """The provider's error document."""
        raise NotImplementedError

    def _error_headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """Headers every answer carries, errors included (e.g. the organization a known key belongs to)."""
        return {}

    def _request_id(self, n: int) -> str:
        return "req_" + base62(22, "request", n)

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> str:
        """Bind and serve in a daemon thread; returns the base URL."""
        if self._server is not None:
            raise RuntimeError("simulator already started")
        self._server = _Server((self._host, self._port), self)
        # A short poll interval keeps stop() fast (tests start and stop a server per test).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving, close open connections and join every server thread. Idempotent."""
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("simulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- switches ------------------------------------------------------------------------------------

    def add_admin_key(self, org_id: str, key: str) -> None:
        """A new Admin key of an organization (as an admin creates one to rotate)."""
        self._provider.add_admin_key(org_id, key)

    def revoke_key(self, key: str) -> None:
        """The key answers 401 from now on."""
        with self._lock:
            self._revoked.add(key)

    def inject_faults(self, status: int, count: int = 1, retry_after: int | None = None, path_prefix: str = "") -> None:
        """The next ``count`` API requests whose path starts with ``path_prefix`` answer ``status`` with
        the documented error body. A 429 always carries ``retry-after`` (1 s unless given); other statuses
        carry it only when ``retry_after`` is given."""
        if count > 0:
            with self._lock:
                self._faults.append(_Fault(status, count, retry_after, path_prefix))

    def inject_malformed(self, count: int = 1, path_prefix: str = "", kind: str = "mixed") -> None:
        """The next ``count`` matching requests answer 200 with a broken body.

        ``kind``: ``"invalid_json"`` (a truncated document), ``"wrong_shape"`` (valid JSON, not the
        documented shape) or ``"mixed"`` (alternating, invalid JSON first).
        """
        if kind not in MALFORMED_KINDS:
            raise ValueError(f"unknown malformed kind {kind!r}")
        if count > 0:
            with self._lock:
                self._malformed.append(_Malformed(count, path_prefix, kind))

    def set_latency(self, seconds: float) -> None:
        """Delay every API answer by ``seconds``."""
        self._latency = max(0.0, seconds)

    def restate(self, org_id: str, hour_start: datetime, factor: float) -> None:
        """The provider restates an hour: its usage is multiplied by ``factor`` (0 removes it).
        Restating the same hour again multiplies again."""
        if factor < 0:
            raise ValueError("factor must be >= 0")
        self._provider.org(org_id).restate(hour_of(hour_start), factor)

    @property
    def requests(self) -> RequestLog:
        """A snapshot of the API requests answered so far (oldest first); callable too."""
        with self._lock:
            return RequestLog(self._requests)

    def reset_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- internals -----------------------------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._now_fn()
        if now.tzinfo is None:
            raise ValueError("now() must return a timezone-aware datetime")
        return now.astimezone(UTC)

    def _is_revoked(self, key: str) -> bool:
        with self._lock:
            return key in self._revoked

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    self._faults = [f for f in self._faults if f.remaining > 0]
                    return fault
        return None

    def _take_malformed(self, path: str) -> str | None:
        with self._lock:
            for m in self._malformed:
                if m.remaining > 0 and path.startswith(m.path_prefix):
                    m.remaining -= 1
                    kind = m.kind
                    if kind == "mixed":
                        kind = "invalid_json" if m.served % 2 == 0 else "wrong_shape"
                    m.served += 1
                    self._malformed = [x for x in self._malformed if x.remaining > 0]
                    return kind
        return None

    def _handle(self, method: str, path: str, raw_query: dict[str, list[str]], headers: Mapping[str, str]) -> Response:
        """Answer one API request (faults first, then the simulator's dispatch, then malformed pages) and log it."""
        if self._latency:
            time.sleep(self._latency)
        with self._lock:
            self._request_counter += 1
            request_id = self._request_id(self._request_counter)
        try:
            fault = self._take_fault(path)
            if fault is not None:
                extra: dict[str, str] = {}
                retry = fault.retry_after if fault.retry_after is not None else (1 if fault.status == 429 else None)
                if retry is not None:
                    extra["retry-after"] = str(retry)
                message = self.fault_messages.get(fault.status, f"Simulated error {fault.status}")
                raise ApiError(fault.status, message, extra)
            payload, response_headers = self._provider.answer(
                method, path, raw_query, headers, self._now(), self._is_revoked
            )
            response_headers = {**JSON_HEADERS, **response_headers}
            malformed = self._take_malformed(path)
            if malformed == "invalid_json":
                body = json.dumps(payload).encode()
                response = Response(200, body[: max(1, len(body) // 2)], response_headers)
            elif malformed == "wrong_shape":
                wrong = {"data": {"unexpected": "shape"}, "has_more": "perhaps", "next_page": 42}
                response = Response(200, json.dumps(wrong).encode(), response_headers)
            else:
                response = Response(200, json_body(payload), response_headers)
        except ApiError as err:
            response = Response(
                err.status,
                self._error_body(err, request_id),
                {**JSON_HEADERS, **self._error_headers(headers), **err.headers},
            )
        response.headers.setdefault(self.request_id_header, request_id)
        with self._lock:
            self._requests.append(SimRequest(method, path, raw_query, response.status))
        return response

    def _control(self, method: str, path: str, body: bytes) -> Response:
        """``/_sim/...``: unauthenticated controls for tests and the local demo (never part of a real API)."""
        try:
            args: dict[str, Any] = json.loads(body) if body.strip() else {}
            if not isinstance(args, dict):
                raise ValueError("body must be a JSON object")
            result = self._control_result(method, path, args)
            if result is None:
                return Response(404, json.dumps({"error": f"no control {method} {path}"}).encode(), dict(JSON_HEADERS))
        except (KeyError, ValueError, TypeError) as err:
            return Response(400, json.dumps({"error": f"bad control request: {err!s}"}).encode(), dict(JSON_HEADERS))
        return Response(200, json.dumps(result).encode(), dict(JSON_HEADERS))

    def _control_result(self, method: str, path: str, args: dict[str, Any]) -> dict[str, Any] | None:
        if method == "GET" and path == "/_sim/requests":
            reqs = self.requests
            by_status: dict[str, int] = {}
            by_path: dict[str, int] = {}
            for r in reqs:
                by_status[str(r.status)] = by_status.get(str(r.status), 0) + 1
                by_path[r.path] = by_path.get(r.path, 0) + 1
            return {"count": len(reqs), "by_status": by_status, "by_path": by_path}
        if method == "POST" and path == "/_sim/faults":
            retry = args.get("retry_after")
            self.inject_faults(
                int(args["status"]),
                int(args.get("count", 1)),
                int(retry) if retry is not None else None,
                str(args.get("path_prefix", "")),
            )
            return {"ok": True}
        if method == "POST" and path == "/_sim/malformed":
            self.inject_malformed(
                int(args.get("count", 1)), str(args.get("path_prefix", "")), str(args.get("kind", "mixed"))
            )
            return {"ok": True}
        if method == "POST" and path == "/_sim/revoke":
            self.revoke_key(str(args["key"]))
            return {"ok": True}
        if method == "POST" and path == "/_sim/latency":
            self.set_latency(float(args["seconds"]))
            return {"ok": True}
        if method == "POST" and path == "/_sim/restate":
            hour = datetime.fromisoformat(str(args["hour_start"]))
            self.restate(str(args["org_id"]), hour, float(args["factor"]))
            return {"ok": True}
        if method == "POST" and path == "/_sim/reset_requests":
            self.reset_requests()
            return {"ok": True}
        return None


# --------------------------------------------------------------------------------------------------
# Keys on the command line: never as a value, never printed
# --------------------------------------------------------------------------------------------------


_KEY_PREFIXES = ("sk-ant-admin01-", "sk-ant-api03-", "sk-admin-", "sk-proj-", "sk-svcacct-", "sk-")


def mask_key(key: str) -> str:
    """A display hint that cannot be used as the key: its documented kind prefix and last four characters
    (``sk-ant-admin01-...abcd``, ``sk-admin-...wxyz``); short keys show nothing of their secret part."""
    prefix = next((p for p in _KEY_PREFIXES if key.startswith(p)), "")
    secret = key[len(prefix) :]
    return f"{prefix}...{secret[-4:]}" if len(secret) >= 12 else f"{prefix}..."


def read_keys(env_var: str, key_file: str | None) -> list[str]:
    """Keys from a file (one a line; blank lines and ``#`` comments skipped) and from an environment
    variable (comma- or whitespace-separated), in that order, without duplicates.

    A key is never taken from a command-line value: ``ps`` and shell history would show it.
    """
    keys: list[str] = []
    if key_file:
        for line in Path(key_file).read_text().splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                keys.append(line)
    keys.extend(os.environ.get(env_var, "").replace(",", " ").split())
    return list(dict.fromkeys(keys))


def serve_until_interrupted(sim: SimulatorBase, title: str, admin_keys: Sequence[str]) -> None:
    """Start ``sim``, print where it listens (first line: "... at URL") and the masked admin keys, block until
    Ctrl-C (SIGINT), then stop it."""

    # Explicit handlers: a process started from a non-interactive shell's background job inherits SIGINT
    # as ignored, and Python then never raises KeyboardInterrupt; SIGTERM (what supervisors send) stops
    # it the same way.
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    url = sim.start()
    print(f"{title} at {url}", flush=True)
    print(f"admin key(s): {', '.join(mask_key(k) for k in admin_keys)}", flush=True)
    print(
        "controls: POST /_sim/faults, /_sim/revoke, /_sim/malformed, /_sim/latency, /_sim/restate, "
        "/_sim/reset_requests; GET /_sim/requests",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


# --------------------------------------------------------------------------------------------------
# Usage patterns for the savings advice (off by default in both simulators)
# --------------------------------------------------------------------------------------------------

SAVINGS_PATTERNS: dict[str, str] = {
    "nightly_batch": "steady off-hours (01:00-05:00 UTC) non-interactive usage on the standard tier, every day: "
    "a Batch API candidate",
    "uncached_chat": "daytime chat with large uncached input and no prompt caching: a caching candidate",
    "long_context": "rows in the long-context window on a model that bills the premium (Anthropic only)",
    "cache_rewrite": "5-minute cache writes rewritten many times an hour (more written than read back): "
    "a longer cache TTL candidate",
    "idle": "a key that had usage and has none since idle_since (30+ days before 'now' by default)",
    "new_workspace": "a new key whose usage suddenly appears from appears_at in a new workspace (Anthropic, in "
    "the US inference geo) or a new project (OpenAI)",
}
"""Patterns a profile can switch on, each carried by a key of its own (``patterns()`` names them)."""

NIGHT_HOURS = frozenset({1, 2, 3, 4})


def check_patterns(names: Sequence[str], supported: Iterable[str]) -> None:
    """ValueError for a pattern name the simulator does not know or does not support."""
    allowed = set(supported)
    for name in names:
        if name not in SAVINGS_PATTERNS:
            raise ValueError(f"unknown usage pattern {name!r}; known: {', '.join(SAVINGS_PATTERNS)}")
        if name not in allowed:
            raise ValueError(f"usage pattern {name!r} is not supported by this simulator")
