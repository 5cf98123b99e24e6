"""Cost per account: what one connected account costs on Google Cloud, per hourly sync and per month.

The real functions run in this process against the emulators, wired by ``shared.bootstrap`` (the local
Secret Manager server holds the sealing keyring; the simulated Anthropic Admin API serves the organization),
each invoked the way its Pub/Sub trigger would: ``functions/<name>/main.py`` loaded as functions-framework
loads it and called with a CloudEvent carrying the message. Messages are published for real (Pub/Sub
emulator) and recorded on the way, and the benchmark delivers each to the function(s) its topic triggers:

    scheduler tick -> dispatcher (collect requests) and alert sweep (evaluation requests)
    collect request -> collector -> usage collected -> costing -> usage priced -> alert evaluator
    account event -> alert account events

First the account is connected (the api's AccountService) and its history imported (one-off cost), then
the clock moves an hour at a time (``--hours``, 7 x 24 by default), each tick at hh:05 as Cloud Scheduler
fires it; before each tick the provider restates the last hours a little (``--restate-hours``), as it does.
The simulator and the Secret Manager server run in child processes, so ``time.process_time`` around an
invocation is the function's own CPU (its client libraries' threads included).

Counted per invocation, exactly:
- Firestore reads, writes and deletes, at the client's RPC layer (``bench.common.FirestoreMeter``): every
  document a batch get returns (a missing one too: counted as a read, the conservative reading of the pricing
  page, which charges for documents requested), every document a query returns with a minimum of one per
  query, every write and delete of a commit; beginning and rolling back transactions is free;
- Pub/Sub messages published (and their bytes), Secret Manager access operations, provider requests;
- CPU seconds and wall seconds.

Dollars: the counts times Google Cloud list prices (``bench.prices``, each named with its source and the
day it was read), no free tier. Function time is billed per invocation as instance time rounded up to 100 ms;
the benchmark models it as CPU / the function's vCPU plus an assumed latency per remote call (stated in the
output), because local wall time (emulators on loopback, full cores) says little about production.

Run: ``python -m bench.cost_per_account`` (180-day import, 168 hourly syncs) or ``--small`` (7 days, 24 syncs).
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import io
import json
import logging
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench import prices
from bench.common import ROOT, FirestoreMeter, FirestoreOps, emulator_env, load_average
from bench.ingest import KEY, ORG_ID, profile

TENANT = "bench-cost"
OWNER = "bench-owner"
START = datetime(2026, 11, 27, 0, 5, tzinfo=UTC)
"""The first tick (hh:05, as Cloud Scheduler fires it); the week of syncs crosses into December."""
HOURS_PER_MONTH = 730
"""Hourly syncs in an average month (8,760 hours a year / 12)."""


@dataclass(frozen=True)
class Size:
    memory_mib: int
    vcpu: float
    concurrency: int


def function_sizes() -> dict[str, Size]:
    """Each function's memory, vCPU and concurrency as infra/modules/tokenmeter/main.tf sets them (a vCPU
    left to the platform is the one it derives from memory)."""
    text = (ROOT / "infra" / "modules" / "tokenmeter" / "main.tf").read_text()
    out: dict[str, Size] = {}
    for name, body in re.findall(r'module "(\w+)" \{(.*?)\n\}', text, re.S):
        memory = re.search(r'\n\s*memory\s*=\s*"(\d+)(Mi|Gi)"', body)
        if not memory or not re.search(r'source\s*=\s*"\.\./(function|api)"', body):
            continue
        mib = int(memory.group(1)) * (1024 if memory.group(2) == "Gi" else 1)
        cpu = re.search(r'\n\s*cpu\s*=\s*"([\d.]+)"', body)
        concurrency = re.search(r"\n\s*max_concurrency\s*=\s*(\d+)", body)
        out[name] = Size(
            mib,
            float(cpu.group(1)) if cpu else prices.VCPU_FOR_MEMORY_MIB[mib],
            int(concurrency.group(1)) if concurrency else 1,
        )
    return out


SIZES = function_sizes()
MEASURED = ("api", "dispatcher", "collector", "costing", "alert_evaluator", "alert_account_events", "alert_sweep")
"""The functions run here. Alert delivery (webhook, email) runs only when an alert is raised, rarely: counted as
its Pub/Sub deliveries, not run."""
MEMORY_MIB = {name: SIZES[name].memory_mib for name in MEASURED}
"""Each measured function's memory as infra sets it."""

LATENCY_S = {"firestore": 0.010, "pubsub": 0.015, "secret": 0.015, "provider": 0.400}
"""Assumed production latency per remote call, for the billed-time model: Firestore and Pub/Sub in the same
region, Secret Manager, and the Anthropic Admin API across the internet (its usage report is not fast)."""

SHARED_PER_TICK = ("dispatcher", "alert_sweep")
"""Invoked once per tick for every account together: their invocations and compute are not per account (their
per-account Firestore reads are: one account or tenant document each)."""


# -- child processes: the simulator with a movable clock, the Secret Manager server ------------------------


def _sim_child(spec: dict[str, Any]) -> None:
    from local.anthropic_sim import AnthropicSimulator, SimOrganization

    clock_file = Path(spec["clock_file"])

    def now() -> datetime:
        return datetime.fromisoformat(clock_file.read_text().strip())

    sim = AnthropicSimulator(now=now)
    sim.add_organization(SimOrganization(ORG_ID, "Bench Org", admin_keys=[KEY], profile=profile(spec["combos"])))
    print(sim.start(), flush=True)
    sys.stdin.read()  # until the parent closes our stdin (or dies)
    sim.stop()


class Children:
    """The simulator and the Secret Manager server, each in its own process group."""

    def __init__(self, tmp: Path, combos: int):
        self.clock_file = tmp / "clock"
        self.set_clock(START)
        spec = json.dumps({"clock_file": str(self.clock_file), "combos": combos})
        self.sim = subprocess.Popen(
            [sys.executable, "-m", "bench.cost_per_account", "--sim-child", spec],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert self.sim.stdout is not None
        self.sim_url = self.sim.stdout.readline().strip()
        if not self.sim_url.startswith("http"):
            raise RuntimeError("the simulator child did not start")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.secrets = subprocess.Popen(
            [sys.executable, "-m", "local.secret_manager_server", "--port", str(port)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.secret_host = f"127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.secrets.poll() is not None:
                    raise RuntimeError("the Secret Manager server did not start") from None
                time.sleep(0.1)
        self.http = httpx.Client(base_url=self.sim_url, timeout=10)

    def set_clock(self, now: datetime) -> None:
        self.clock_file.write_text(now.isoformat())

    def restate(self, hour: datetime, factor: float) -> None:
        self.http.post("/_sim/restate", json={"org_id": ORG_ID, "hour_start": hour.isoformat(), "factor": factor})

    def provider_requests(self) -> int:
        return int(self.http.get("/_sim/requests").json()["count"])

    def stop(self) -> None:
        self.http.close()
        for proc in (self.sim, self.secrets):
            if proc.poll() is None:
                if proc is self.sim and proc.stdin is not None:
                    proc.stdin.close()
                try:
                    proc.wait(3)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, 9)
                    proc.wait(3)


# -- counting what leaves the process --------------------------------------------------------------------


@dataclass
class Counters:
    firestore: FirestoreMeter = field(default_factory=FirestoreMeter)
    secret_access: int = 0
    secret_admin: int = 0
    account_secret_versions: int = 0
    published: list[tuple[str, bytes]] = field(default_factory=list)
    log_bytes: int = 0


class CountingSink(io.TextIOBase):
    """Where the functions' JSON logs go: counted (Cloud Logging bills by volume), not printed."""

    def __init__(self, counters: Counters):
        self.counters = counters

    def write(self, text: str) -> int:
        self.counters.log_bytes += len(text.encode())
        return len(text)


def instrument(counters: Counters) -> None:
    """Count at the clients every function shares through ``shared.bootstrap``."""
    from shared import bootstrap

    counters.firestore.instrument(bootstrap.firestore_client())

    client = bootstrap.secret_backend()._client
    for name in ("access_secret_version",):
        original = getattr(client, name)

        def access(*a: Any, _o: Callable[..., Any] = original, **k: Any) -> Any:
            counters.secret_access += 1
            return _o(*a, **k)

        setattr(client, name, access)
    for name in ("create_secret", "add_secret_version", "list_secret_versions", "destroy_secret_version"):
        original = getattr(client, name)

        def admin(*a: Any, _o: Callable[..., Any] = original, _n: str = name, **k: Any) -> Any:
            counters.secret_admin += 1
            request = k.get("request") or (a[0] if a else {})
            parent = str(request.get("parent", "")) if isinstance(request, dict) else ""
            if _n == "add_secret_version" and not parent.endswith("/" + bootstrap.config().sealing_key_secret):
                counters.account_secret_versions += 1  # a secret version of an account's own (billed monthly)
            return _o(*a, **k)

        setattr(client, name, admin)

    publisher = bootstrap.publisher()
    publish, publish_all = publisher.publish, publisher.publish_all

    def counted_publish(topic: str, message: Any) -> None:
        publish(topic, message)
        counters.published.append((topic, message.encode()))

    def counted_publish_all(topic: str, messages: Any) -> int:
        kept = list(messages)
        count = publish_all(topic, kept)
        counters.published.extend((topic, m.encode()) for m in kept)
        return count

    publisher.publish = counted_publish  # type: ignore[method-assign]
    publisher.publish_all = counted_publish_all  # type: ignore[method-assign]


# -- invoking the functions as their triggers do -----------------------------------------------------------


def load_function(name: str) -> Callable[..., Any]:
    """``functions/<name>/main.py``'s entry point, loaded as functions-framework loads a source file."""
    from shared import topology

    spec_ = next(f for f in topology.FUNCTIONS if f.name == name)
    spec = importlib.util.spec_from_file_location(f"bench_fn_{name}", ROOT / spec_.source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    entry: Callable[..., Any] = getattr(module, spec_.entry_point)
    return entry


def cloud_event(project: str, topic: str, data: bytes) -> Any:
    from cloudevents.http import CloudEvent

    return CloudEvent(
        {
            "type": "google.cloud.pubsub.topic.v1.messagePublished",
            "source": f"//pubsub.googleapis.com/projects/{project}/topics/{topic}",
        },
        {"message": {"data": base64.b64encode(data).decode(), "messageId": uuid.uuid4().hex}},
    )


@dataclass
class Invocation:
    function: str
    cpu: float
    wall: float
    firestore: FirestoreOps
    secret_access: int
    published: list[tuple[str, bytes]]
    provider_requests: int
    detail: Counter[tuple[str, str]] = field(default_factory=Counter)
    label: str = ""
    """The function, and for the evaluator why it runs: ``alert_evaluator (priced)`` or ``(sweep)``."""

    def modeled_seconds(self) -> float:
        """Billed instance time: CPU at the function's share of a vCPU plus the remote calls' latency, rounded
        up to 100 ms; an instance that serves several requests at once (infra's max_concurrency) bills its
        time once for all of them, so a request's share is that time over the concurrency, but never less
        than its own CPU time (a busy instance: what the hourly tick's burst of syncs makes)."""
        size = SIZES[self.function]
        vcpu = size.vcpu
        seconds = (
            self.cpu / vcpu
            + self.firestore.rpcs * LATENCY_S["firestore"]
            + len(self.published) * LATENCY_S["pubsub"]
            + self.secret_access * LATENCY_S["secret"]
            + self.provider_requests * LATENCY_S["provider"]
        )
        if size.concurrency > 1:
            return max(self.cpu / vcpu, seconds / size.concurrency)
        return math.ceil(seconds / prices.RUN_ROUNDING_S - 1e-9) * prices.RUN_ROUNDING_S


class Pipeline:
    """Delivers every published message to the functions its topic triggers, until none is left."""

    def __init__(self, project: str, counters: Counters, children: Children):
        from shared import topology

        self.project = project
        self.counters = counters
        self.children = children
        self.routes: dict[str, list[str]] = defaultdict(list)
        for fn in topology.FUNCTIONS:
            if fn.trigger_topic and fn.name in MEMORY_MIB:
                self.routes[fn.trigger_topic].append(fn.name)
        self.entries = {name: load_function(name) for names in self.routes.values() for name in names}
        self.invocations: list[Invocation] = []

    def measure(self, function: str, work: Callable[[], Any]) -> Invocation:
        c = self.counters
        fs0, sa0, pub0, req0 = (
            c.firestore.snapshot(),
            c.secret_access,
            len(c.published),
            self.children.provider_requests(),
        )
        detail0 = Counter(c.firestore.detail)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        work()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        inv = Invocation(
            function,
            cpu,
            wall,
            c.firestore.snapshot() - fs0,
            c.secret_access - sa0,
            c.published[pub0:],
            self.children.provider_requests() - req0,
            c.firestore.detail - detail0,
        )
        self.invocations.append(inv)
        return inv

    def run(self, topic: str, data: bytes) -> None:
        """Deliver one message (and, in turn, everything it leads to)."""
        queue: list[tuple[str, bytes]] = [(topic, data)]
        while queue:
            topic, data = queue.pop(0)
            for name in self.routes.get(topic, ()):
                event = cloud_event(self.project, topic, data)
                inv = self.measure(name, lambda entry=self.entries[name], event=event: entry(event))
                inv.label = name
                if name == "alert_evaluator":
                    inv.label += f" ({json.loads(data).get('reason', 'priced')})"
                queue.extend(inv.published)


# -- setting up the tenant ---------------------------------------------------------------------------------


def set_up(project: str, tmp: Path, children: Children, now: Callable[[], datetime]) -> Any:
    """The environment a deployment has, the services built by bootstrap with the simulated clock, and the
    tenant: a pro plan (180 days), a monthly budget with thresholds and a forecast, a webhook channel."""
    os.environ.update(
        {
            "GOOGLE_CLOUD_PROJECT": project,
            "TM_MODE": "local",
            "TM_LOCAL_DIR": str(tmp / "local"),
            "TM_SECRET_MANAGER_EMULATOR_HOST": children.secret_host,
            "ANTHROPIC_API_BASE_URL": children.sim_url,
            "TM_HISTORY_DAYS": "30",
        }
    )
    from google.cloud import pubsub_v1

    from shared import bootstrap, topology
    from shared.adapters.firestore_alerts import FirestoreBudgetStore, FirestoreChannelStore
    from shared.adapters.firestore_tenancy import FirestoreAuditLog, FirestoreUsagePurger
    from shared.alerts.model import ALERT_KINDS, Budget, Channel
    from shared.domain.tenancy import Member, Tenant
    from shared.services.accounts import AccountService

    publisher_client = pubsub_v1.PublisherClient()
    for topic in topology.TOPICS:
        publisher_client.create_topic(name=publisher_client.topic_path(project, topic))

    bootstrap.clock = now  # the ledger units' timestamps
    collector = bootstrap.collector_service()
    collector.clock = now
    if collector.billed is not None:
        collector.billed.clock = now  # type: ignore[attr-defined]
    bootstrap.costing_service().clock = now
    bootstrap.repricing_service().clock = now
    bootstrap.alert_evaluator().clock = now
    bootstrap.dispatcher_service().clock = now
    bootstrap.retention_service().clock = now

    db = bootstrap.firestore_client()
    cfg = bootstrap.config()
    bootstrap.tenant_store().create_tenant(Tenant(id=TENANT, name="Bench", plan="pro"), Member(OWNER, "owner"))
    t0 = now()
    FirestoreBudgetStore(db).create(
        Budget(
            tenant_id=TENANT,
            id="bud_00000000000be7c1",
            name="Monthly AI spend",
            amount=Decimal(1_000_000),
            period="month",
            scope="tenant",
            scope_id=None,
            thresholds=(50, 80, 100),
            forecast=True,
            channel_ids=(),
            enabled=True,
            created_at=t0,
            updated_at=t0,
        )
    )
    channels = FirestoreChannelStore(db)
    channels.create(
        Channel(
            tenant_id=TENANT,
            id="chn_00000000000be7c1",
            name="Ops webhook",
            type="webhook",
            kinds=ALERT_KINDS,
            enabled=True,
            created_at=t0,
            updated_at=t0,
            url="https://hooks.example.com/tokenmeter",
        )
    )
    channels.mark_alerting(TENANT)
    return AccountService(
        accounts=bootstrap.account_store(),
        secrets=bootstrap.secret_store(),
        publisher=bootstrap.publisher(),
        verify_key=bootstrap._verify_key,
        fingerprint_pepper=bootstrap.fingerprint_pepper(),
        history_days=cfg.history_days,
        topic_collect_requests=cfg.topic_collect_requests,
        tenants=bootstrap.tenant_store(),
        audit=FirestoreAuditLog(db),
        purger=FirestoreUsagePurger(db),
        clock=now,
    )


# -- turning counts into dollars ---------------------------------------------------------------------------


@dataclass
class Line:
    item: str
    count: float
    price: prices.Price | None
    nam5: prices.Price | None = None
    note: str = ""

    def usd(self) -> float:
        return self.price.cost(self.count) if self.price else 0.0

    def usd_nam5(self) -> float:
        return (self.nam5 or self.price).cost(self.count) if (self.nam5 or self.price) else 0.0


def pubsub_bytes(published: list[tuple[str, bytes]], deliveries: dict[str, int]) -> float:
    """Billable bytes: each publish and each delivery (one per subscription of the topic) at least 1,000."""
    total = 0.0
    for topic, data in published:
        billed = max(len(data), prices.PUBSUB_MIN_BYTES)
        total += billed * (1 + deliveries.get(topic, 0))
    return total


def lines_for(invs: list[Invocation], scale: float, deliveries: dict[str, int], per_account_only: bool) -> list[Line]:
    """The cost lines of these invocations, each count multiplied by ``scale`` (1: as counted)."""
    fs = FirestoreOps()
    shared_minimums = 0
    for inv in invs:
        fs = fs + inv.firestore
        if per_account_only and inv.function in SHARED_PER_TICK:
            # A tick's query that finds nothing bills one read for the whole deployment, not per account.
            shared_minimums += inv.firestore.query_min
    fs.reads -= shared_minimums
    fs.query_min -= shared_minimums
    us, nam5 = prices.FIRESTORE["us-central1"], prices.FIRESTORE["nam5"]
    out = [
        Line(
            "Firestore document reads",
            fs.reads * scale,
            us["read"],
            nam5["read"],
            f"{fs.missing * scale:.0f} of them missing documents, {fs.query_min * scale:.0f} empty-query minimums",
        ),
        Line("Firestore document writes", fs.writes * scale, us["write"], nam5["write"]),
        Line("Firestore document deletes", fs.deletes * scale, us["delete"], nam5["delete"]),
    ]
    published = [p for inv in invs for p in inv.published]
    out.append(
        Line(
            "Pub/Sub messages published",
            len(published) * scale,
            None,
            None,
            f"billed as bytes, next line; {sum(len(d) for _, d in published) / max(len(published), 1):.0f} B average",
        )
    )
    out.append(
        Line(
            "Pub/Sub throughput (publish + deliveries), bytes",
            pubsub_bytes(published, deliveries) * scale,
            prices.PUBSUB,
        )
    )
    out.append(
        Line("Secret Manager access operations", sum(i.secret_access for i in invs) * scale, prices.SECRET_ACCESS)
    )
    by_fn: dict[str, list[Invocation]] = defaultdict(list)
    for inv in invs:
        by_fn[inv.function].append(inv)
    for name in sorted(by_fn):
        if per_account_only and name in SHARED_PER_TICK:
            continue
        group = by_fn[name]
        vcpu = SIZES[name].vcpu
        billed = sum(i.modeled_seconds() for i in group)
        out.append(Line(f"{name}: invocations", len(group) * scale, prices.RUN_REQUESTS))
        out.append(
            Line(
                f"{name}: vCPU-seconds ({vcpu} vCPU x billed s)",
                billed * vcpu * scale,
                prices.RUN_VCPU,
                note=f"CPU used {sum(i.cpu for i in group) * scale:.3g} s, "
                f"wall here {sum(i.wall for i in group) * scale:.3g} s",
            )
        )
        out.append(
            Line(
                f"{name}: GiB-seconds ({MEMORY_MIB[name] / 1024:g} GiB x billed s)",
                billed * MEMORY_MIB[name] / 1024 * scale,
                prices.RUN_MEMORY,
            )
        )
    return out


def print_table(title: str, lines: list[Line], per_sync: float | None, show_monthly: bool) -> tuple[float, float]:
    print(title)
    count = "per month" if show_monthly else "count"
    head = f"  {'item':52} {'per sync':>10} {count:>12} {'unit price':>26} {'$ us-central1':>13} {'$ nam5':>9}"
    print(head)
    total = total_nam5 = 0.0
    for line in lines:
        per = f"{line.count / per_sync:10.3g}" if per_sync else f"{'':10}"
        price = line.price.label() if line.price else "-"
        total += line.usd()
        total_nam5 += line.usd_nam5()
        usd = f"{line.usd():13.6f}" if line.price else f"{'':13}"
        usd5 = f"{line.usd_nam5():9.6f}" if line.price else f"{'':9}"
        print(
            f"  {line.item:52} {per} {line.count:12.4g} {price:>26} {usd} {usd5}"
            + (f"  ({line.note})" if line.note else "")
        )
    print(f"  {'total':52} {'':10} {'':12} {'':>26} {total:13.6f} {total_nam5:9.6f}")
    return total, total_nam5


# -- storage (the month's fixed part) ----------------------------------------------------------------------


def _value_size(value: Any) -> int:
    """Firestore's documented storage size of a value."""
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, int | float | datetime):
        return 8
    if isinstance(value, str):
        return len(value.encode()) + 1
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, dict):
        return sum(len(k.encode()) + 1 + _value_size(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_value_size(v) for v in value)
    return 16


def _leaves(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{prefix}.{k}" if prefix else k)
    else:
        yield prefix, value


def index_exemptions() -> set[tuple[str, str]]:
    """(collection, field) pairs that infra exempts from single-field indexing (the packed tables)."""
    text = (ROOT / "infra" / "modules" / "tokenmeter" / "main.tf").read_text()
    pairs = re.findall(r'\{\s*collection\s*=\s*"(\w+)",\s*field\s*=\s*"(\w+)",\s*indexes\s*=\s*\[\]\s*\}', text)
    return {(c, f) for c, f in pairs}


def stored_bytes(db: Any, tenant_id: str, account_id: str) -> tuple[int, int, int, dict[str, int]]:
    """(documents, their bytes, bytes of their automatic single-field index entries: ascending and descending
    per field, maps field by field, values past 1,500 bytes cut, fields infra exempts left out) of the
    account's documents."""
    from shared.adapters import paths

    exempt = index_exemptions()

    docs = [paths.account(db, tenant_id, account_id).get()]
    for name in paths.ACCOUNT_DATA:
        docs += list(paths.account_collection(db, tenant_id, account_id, name).stream())
    count = doc_bytes = index_bytes = 0
    by_collection: dict[str, int] = defaultdict(int)
    for snap in docs:
        if not snap.exists:
            continue
        name_size = sum(len(s.encode()) + 1 for s in snap.reference.path.split("/")) + 16
        data = snap.to_dict() or {}
        count += 1
        size = name_size + _value_size(data) + 32
        doc_bytes += size
        collection = snap.reference.parent.id
        by_collection[collection] += size
        for path, value in _leaves(data):
            if (collection, path.split(".", 1)[0]) in exempt:
                continue
            entry = name_size + len(path.encode()) + 1 + min(_value_size(value), 1500) + 32
            index_bytes += 2 * entry
    return count, doc_bytes, index_bytes, dict(by_collection)


# -- main ---------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost_per_account", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=180, help="history imported on connect (default 180, pro plan)")
    parser.add_argument("--hours", type=int, default=7 * 24, help="hourly syncs after the import (default 168)")
    parser.add_argument("--combos", type=int, default=50, help="simulator combos_per_hour (the ingest profile)")
    parser.add_argument("--restate-hours", type=int, default=2, help="hours the provider restates before each tick")
    parser.add_argument("--small", action="store_true", help="smoke run: 7 days of history, 24 syncs")
    parser.add_argument("--sim-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sim_child:
        _sim_child(json.loads(args.sim_child))
        return 0
    if args.small:
        args.days, args.hours = 7, 24

    project = "tm-bench-cost-" + uuid.uuid4().hex[:8]
    tmp = Path(tempfile.mkdtemp(prefix="tm-bench-cost-"))
    print(
        f"== cost per account: {args.days}-day import, then {args.hours} hourly syncs with {args.restate_hours} "
        f"hour(s) "
        f"restated before each; 20 keys, 6 models, 3 workspaces, combos_per_hour={args.combos} (load average "
        f"{load_average()})",
        flush=True,
    )
    clock = [START]
    with emulator_env(tmp / "emulators", heap="1g"):
        children = Children(tmp, args.combos)
        try:
            run(args, project, tmp, children, clock)
        finally:
            children.stop()
    return 0


def run(args: argparse.Namespace, project: str, tmp: Path, children: Children, clock: list[datetime]) -> None:
    from shared import bootstrap, topology
    from shared.messages import SchedulerTick

    def now() -> datetime:
        return clock[0]

    accounts_api = set_up(project, tmp, children, now)
    counters = Counters()
    instrument(counters)
    pipeline = Pipeline(project, counters, children)
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_tokenmeter", False):
            handler.setStream(CountingSink(counters))  # type: ignore[attr-defined]
    deliveries = {t: len(names) for t, names in pipeline.routes.items()}
    deliveries[topology.TOPIC_ALERTS] = 2  # webhook and email delivery functions subscribe

    # -- connect and import ------------------------------------------------------------------------
    started = time.perf_counter()
    bootstrap.tenant_store().set_plan(TENANT, "pro", args.days if args.days != 180 else None)
    connect = pipeline.measure("api", lambda: accounts_api.connect(TENANT, "anthropic", "Bench Org", KEY, OWNER))
    account_id = bootstrap.account_store().list(TENANT)[0].id
    for topic, data in connect.published:
        pipeline.run(topic, data)
    imported = list(pipeline.invocations)
    import_seconds = time.perf_counter() - started
    account = bootstrap.account_store().get(TENANT, account_id)
    assert account is not None and not account.gaps(now()), "the import did not complete"

    # -- hourly syncs ------------------------------------------------------------------------------
    syncs: list[list[Invocation]] = []
    log0 = counters.log_bytes
    started = time.perf_counter()
    for hour in range(1, args.hours + 1):
        clock[0] = START + timedelta(hours=hour)
        children.set_clock(clock[0])
        top = clock[0].replace(minute=0)
        for back in range(2, 2 + args.restate_hours):
            children.restate(top - timedelta(hours=back), 1.01)
        first = len(pipeline.invocations)
        pipeline.run(topology.TOPIC_SCHEDULER_TICKS, SchedulerTick(tick_at=clock[0]).encode())
        syncs.append(pipeline.invocations[first:])
    sync_seconds = time.perf_counter() - started
    log_per_sync = (counters.log_bytes - log0) / max(len(syncs), 1)

    report(
        args,
        imported,
        import_seconds,
        syncs,
        sync_seconds,
        deliveries,
        log_per_sync,
        account_id,
        counters.account_secret_versions,
    )


def report(
    args: argparse.Namespace,
    imported: list[Invocation],
    import_seconds: float,
    syncs: list[list[Invocation]],
    sync_seconds: float,
    deliveries: dict[str, int],
    log_per_sync: float,
    account_id: str,
    account_secret_versions: int,
) -> None:
    from shared import bootstrap

    n = len(syncs)
    steady = [inv for sync in syncs for inv in sync]
    per_sync_fs = [sum((i.firestore for i in sync), FirestoreOps()) for sync in syncs]
    print(
        f"ran:           import {import_seconds:.1f} s ({len(imported)} invocations); {n} syncs in "
        f"{sync_seconds:.1f} s "
        f"({sync_seconds / max(n, 1) * 1000:.0f} ms each, wall, here)"
    )
    print(f"per sync (min-median-max over {n}):")
    for label, values in (
        ("Firestore reads", [f.reads for f in per_sync_fs]),
        ("Firestore writes", [f.writes for f in per_sync_fs]),
        ("Firestore deletes", [f.deletes for f in per_sync_fs]),
        ("Firestore RPCs", [f.rpcs for f in per_sync_fs]),
        ("Pub/Sub messages", [sum(len(i.published) for i in s) for s in syncs]),
        ("Secret Manager accesses", [sum(i.secret_access for i in s) for s in syncs]),
        ("provider requests", [sum(i.provider_requests for i in s) for s in syncs]),
        ("CPU ms (all functions)", [1000 * sum(i.cpu for i in s) for s in syncs]),
    ):
        print(f"  {label:26} {min(values):8.1f} {statistics.median(values):8.1f} {max(values):8.1f}")
    by_fn: dict[str, list[Invocation]] = defaultdict(list)
    for inv in steady:
        by_fn[inv.label or inv.function].append(inv)
    print(
        f"  {'function':26} {'inv/sync':>8} {'reads':>7} {'writes':>7} {'msgs':>6} {'CPU ms':>7} {'billed ms':>9}"
        "  (per sync)"
    )
    for name, group in sorted(by_fn.items()):
        fs = sum((i.firestore for i in group), FirestoreOps())
        print(
            f"  {name:26} {len(group) / n:8.2f} {fs.reads / n:7.1f} {fs.writes / n:7.1f} "
            f"{sum(len(i.published) for i in group) / n:6.2f} {1000 * sum(i.cpu for i in group) / n:7.1f} "
            f"{1000 * sum(i.modeled_seconds() for i in group) / n:9.0f}"
        )
    for name, group in sorted(by_fn.items()):
        detail: Counter[tuple[str, str]] = Counter()
        for inv in group:
            detail.update(inv.detail)
        if detail:
            parts = [f"{op} {col} {v / n:.1f}" for (op, col), v in sorted(detail.items(), key=lambda kv: -kv[1])]
            print(f"  {name} per sync: " + ", ".join(parts))
    print(
        f"  logs written: {log_per_sync:.0f} bytes per sync ({log_per_sync * HOURS_PER_MONTH / 2**20:.2f} MiB a month)"
    )
    from shared import topology

    raised = Counter(
        json.loads(data).get("kind", "?")
        for inv in steady
        for topic, data in inv.published
        if topic == topology.TOPIC_ALERTS
    )
    print(
        f"  alerts raised in the {n} syncs: {sum(raised.values())} ("
        + (", ".join(f"{k} {v}" for k, v in sorted(raised.items())) or "none")
        + "; each is written once and marked published once; advice alerts are raised once per recommendation, "
        "ever, so the first daily evaluation after the import raises them all)"
    )

    scale = HOURS_PER_MONTH / n
    lines = lines_for(steady, scale, deliveries, per_account_only=True)
    lines.append(
        Line(
            "Cloud Logging, bytes (the functions' own log lines)",
            log_per_sync * HOURS_PER_MONTH,
            prices.LOGGING,
            note="Cloud Run's own request log entries are not counted",
        )
    )
    print()
    ops_total, ops_nam5 = print_table(
        f"== per account per month at hourly syncs ({HOURS_PER_MONTH} syncs; counts from {n} measured syncs x "
        f"{scale:.2f}; no free tier):",
        lines,
        HOURS_PER_MONTH,
        True,
    )
    db = bootstrap.firestore_client()
    docs, doc_bytes, index_bytes, by_collection = stored_bytes(_unmetered(db), TENANT, account_id)
    where = ", ".join(f"{c} {b / 2**20:.1f}" for c, b in sorted(by_collection.items(), key=lambda x: -x[1]))
    gib = (doc_bytes + index_bytes) / 2**30
    fixed = [
        Line(
            "Secret Manager active secret versions of the account",
            account_secret_versions,
            prices.SECRET_VERSION,
            note="provider keys are sealed on the account document; the keyring is one secret per deployment",
        ),
        Line(
            "Firestore storage, GiB (documents + index entries)",
            gib,
            prices.FIRESTORE["us-central1"]["storage"],
            prices.FIRESTORE["nam5"]["storage"],
            f"{docs} documents of {args.days} days: {doc_bytes / 2**20:.1f} MiB + ~{index_bytes / 2**20:.1f} MiB of "
            f"automatic index entries, exempt fields left out (estimate); MiB by collection: {where}",
        ),
    ]
    fixed_total, fixed_nam5 = print_table("== fixed per account per month:", fixed, None, False)
    target = 0.01
    print(
        f"total:         ${ops_total + fixed_total:.4f} per account per month in us-central1 "
        f"(${ops_total:.4f} operations "
        f"+ ${fixed_total:.4f} fixed), ${ops_nam5 + fixed_nam5:.4f} with Firestore in nam5; target < ${target}: "
        f"{'OK' if ops_total + fixed_total < target else 'MISSED'}"
        + (
            ""
            if ops_total + fixed_total < target
            else f" (operations alone: {'OK' if ops_total < target else 'MISSED'})"
        )
    )
    ranked = sorted([*lines, *fixed], key=lambda line: -line.usd())
    share = ops_total + fixed_total or 1.0
    print(
        "dominant:      "
        + "; ".join(f"{line.item} ${line.usd():.4f} ({100 * line.usd() / share:.0f}%)" for line in ranked[:4])
    )
    shared_fns = [i for i in steady if i.function in SHARED_PER_TICK]
    per_tick = (
        sum(
            prices.RUN_REQUESTS.cost(1)
            + (prices.RUN_VCPU.cost(i.modeled_seconds() * SIZES[i.function].vcpu))
            + prices.RUN_MEMORY.cost(i.modeled_seconds() * MEMORY_MIB[i.function] / 1024)
            for i in shared_fns
        )
        / n
    )
    print(
        f"shared:        dispatcher and alert sweep run once per tick for all accounts: "
        f"${per_tick * HOURS_PER_MONTH:.4f} a "
        f"month for the whole deployment at this size (their per-account reads are in the table above), plus the "
        f"Cloud Scheduler job"
    )
    print(
        "assumptions:   functions as infra sets them ("
        + ", ".join(
            f"{name} {size.memory_mib} MiB, {size.vcpu:g} vCPU, concurrency {size.concurrency}"
            for name, size in sorted(SIZES.items())
        )
        + f"); billed time per invocation = CPU here / vCPU + {LATENCY_S['firestore'] * 1000:.0f} ms per Firestore "
        f"RPC + {LATENCY_S['pubsub'] * 1000:.0f} ms per publish + {LATENCY_S['secret'] * 1000:.0f} ms per secret "
        f"access + {LATENCY_S['provider'] * 1000:.0f} ms per provider request, rounded up to 100 ms at concurrency "
        f"1; at concurrency N that time / N, never less than the request's own CPU time (instances kept busy by "
        f"the hourly burst of syncs; an idle deployment pays more); Pub/Sub: each message "
        f"billed at >= 1,000 B on publish and on each delivery (push subscriptions as infra has them); Firestore "
        f"Standard edition; a missing document read counts as a read"
    )
    print(
        f"free tiers:    not applied. {prices.FIRESTORE_FREE}; Pub/Sub {prices.PUBSUB_FREE}; "
        f"Secret Manager {prices.SECRET_FREE}; Cloud Run {prices.RUN_FREE}; Cloud Logging {prices.LOGGING_FREE}"
    )
    print(
        f"prices:        list prices read on {prices.FOUND_ON}: "
        + "; ".join(
            f"{p.label()} ({p.source})"
            for p in (
                prices.FIRESTORE["us-central1"]["read"],
                prices.FIRESTORE["nam5"]["read"],
                prices.PUBSUB,
                prices.SECRET_ACCESS,
                prices.SECRET_VERSION,
                prices.RUN_REQUESTS,
                prices.RUN_VCPU,
                prices.RUN_MEMORY,
            )
        )
    )

    print()
    import_lines = lines_for(imported, 1.0, deliveries, per_account_only=False)
    by_fn_import: dict[str, int] = defaultdict(int)
    for inv in imported:
        by_fn_import[inv.function] += 1
    total, total5 = print_table(
        f"== one-off: connecting the account and importing {args.days} days of history "
        f"({', '.join(f'{k} x{v}' for k, v in sorted(by_fn_import.items()))}):",
        import_lines,
        None,
        False,
    )
    print(f"import total:  ${total:.4f} in us-central1, ${total5:.4f} with Firestore in nam5 (once per account)")


def _unmetered(db: Any) -> Any:
    """A second client on the same project: the storage survey is not part of any function's cost."""
    from google.cloud import firestore

    return firestore.Client(project=db.project)


if __name__ == "__main__":
    raise SystemExit(main())
