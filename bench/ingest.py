"""Ingest benchmark: months of hourly usage from the simulated provider through collector and costing.

One organization with 20 API keys, 6 models and 3 workspaces (the simulator's ``UsageProfile``) is read
by the real ``CollectorService`` (real ``AnthropicAdminClient`` over loopback HTTP, real Firestore
adapters on the emulator), then priced by the real ``CostingService`` (``FirestoreCostStore``,
``default_catalogue()``). Costing is driven by the usage-collected messages the collector publishes: an
in-process recording publisher stands in for Pub/Sub and each message is validated with the same model
the costing function uses, then handed to ``price_range`` as the function would.

Figures printed:
- end to end: raw rows/s and account-hours/s (one raw document per account-hour holds all its rows), and
  every document the pipeline wrote per second;
- the emulator's own batched-write rate in the same run: representative raw-hour documents (the collector's
  own encoding of a typical hour) written with the raw client in batches of 500. Like is compared with
  like: account-hours/s end to end against documents/s raw, which is the same as rows/s end to end
  against raw documents/s times rows per document;
- provider requests against the minimum the page limits allow: ceil(hours / 168) usage pages plus one
  page each of the API key and workspace lists;
- the collector's peak memory, measured in a child process that does nothing but one collect (as a
  function instance would): tracemalloc peak in one run, resident-set growth in another (tracemalloc
  inflates RSS, so the two are not measured together).

Run: ``python -m bench.ingest`` (180 days) or ``python -m bench.ingest --days 7`` (smoke).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile
from local.emulators import Emulators

NOW = datetime(2026, 11, 20, 14, 25, tzinfo=UTC)
"""The simulated clock: usage exists up to here, the running hour is partial."""
TENANT = "bench"
ACCOUNT_ID = "acc_00000000000be7c1"
KEY = "sk-ant-admin01-" + "B" * 40 + "bnch"
MODELS = (
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-6",
    "claude-haiku-4-5-20251001",
    "claude-sonnet-4-6",
    "claude-opus-4-1-20250805",
    "claude-3-5-haiku-20241022",
)
DEFAULT_COMBOS = 50
"""Distinct (key, workspace, model, tier, context, geo, speed) rows per busy hour: 20 keys across 3
workspaces and 6 models, about half of the ~100 recurring combinations active in any one hour."""
BATCH = 500
ROOT = Path(__file__).resolve().parent.parent


def profile(combos_per_hour: int) -> UsageProfile:
    return UsageProfile(seed=2026, api_keys=20, workspaces=3, models=MODELS, combos_per_hour=combos_per_hour)


def simulator(combos_per_hour: int) -> AnthropicSimulator:
    sim = AnthropicSimulator(now=lambda: NOW)
    sim.add_organization(SimOrganization("org_bench", "Bench Org", admin_keys=[KEY], profile=profile(combos_per_hour)))
    return sim


@contextmanager
def emulator_env(log_dir: Path, heap: str = "2g") -> Iterator[Emulators]:
    """Start the Firestore and Pub/Sub emulators and point this process's clients at them.

    The Firestore emulator keeps every document in its Java heap: months of data need more than the 512 MB
    the tests give it.
    """
    from local.emulators import start_emulators

    emu = start_emulators(log_dir, heap=heap)
    saved = {k: os.environ.get(k) for k in emu.env()}
    os.environ.update(emu.env())
    try:
        yield emu
    finally:
        emu.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class QueuedPublisher:
    """Records what the collector publishes; the benchmark delivers the usage-collected messages."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []

    def publish(self, topic: str, message: dict[str, Any], ordering_key: str = "") -> None:
        self.messages.append((topic, json.loads(json.dumps(message))))  # what goes over the wire

    def take(self, topic: str) -> list[dict[str, Any]]:
        out = [m for t, m in self.messages if t == topic]
        self.messages = [(t, m) for t, m in self.messages if t != topic]
        return out


class BenchSecrets:
    """The account's key, held in memory: where keys live is not what this benchmark measures.

    (Loose signatures: the SecretStore port takes the account's ids beside the reference.)
    """

    def put(self, tenant_id: str, account_id: str, api_key: str) -> str:
        return f"bench://{tenant_id}/{account_id}"

    def get(self, *ids_and_ref: str) -> str:
        return KEY

    def replace(self, *ids_ref_and_key: str) -> str:
        return ids_ref_and_key[-2]

    def delete(self, *ids_and_ref: str) -> None:
        pass


class TimedTransport(httpx.HTTPTransport):
    """Counts the time spent waiting for the provider (here the in-process simulator)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = super().handle_request(request)
        response.read()
        self.seconds += time.perf_counter() - started
        return response


def new_account(tenant_id: str, account_id: str, days: int, secret_ref: str) -> Any:
    from shared.domain.accounts import STATUS_SYNCING, Account

    day0 = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    return Account(
        tenant_id=tenant_id,
        id=account_id,
        provider="anthropic",
        name="Bench Org",
        status=STATUS_SYNCING,
        created_at=NOW,
        history_start=day0 - timedelta(days=days),
        history_days=days,
        secret_ref=secret_ref,
        key_hint="sk-ant-admin01-...bnch",
        next_sync_at=NOW,
    )


@dataclass
class CollectRun:
    seconds: float = 0.0
    cpu: tuple[float, float] = (0.0, 0.0)
    provider_seconds: float = 0.0
    hours: int = 0
    rows: int = 0
    requests: int = 0
    invocations: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)


def collect_all(db: Any, secrets: Any, base_url: str, tenant_id: str, account_id: str) -> CollectRun:
    """One account's whole history, invoking the collector again while it answers "partial" (as the
    "continue" message it publishes would)."""
    from shared import topology
    from shared.adapters.firestore import FirestoreAccountStore, FirestoreUsageStore
    from shared.providers.anthropic import AnthropicAdminClient
    from shared.services.collector import CollectorService

    transport = TimedTransport()
    http = httpx.Client(transport=transport, timeout=httpx.Timeout(30.0, connect=10.0))
    publisher = QueuedPublisher()

    def factory(provider: str, api_key: str, deadline: float) -> AnthropicAdminClient:
        return AnthropicAdminClient(api_key, base_url=base_url, http=http, deadline=deadline)

    collector = CollectorService(
        accounts=FirestoreAccountStore(db),
        usage=FirestoreUsageStore(db, clock=lambda: NOW),
        secrets=secrets,
        publisher=publisher,
        client_factory=factory,
        topic_collect_requests=topology.TOPIC_COLLECT_REQUESTS,
        topic_usage_collected=topology.TOPIC_USAGE_COLLECTED,
        topic_account_events=topology.TOPIC_ACCOUNT_EVENTS,
        clock=lambda: NOW,
    )
    run = CollectRun()
    started = time.perf_counter()
    try:
        for _ in range(50):
            outcome = collector.collect(tenant_id, account_id)
            run.invocations += 1
            run.hours += outcome.hours_written
            run.rows += outcome.rows_written
            run.requests += outcome.provider_requests
            if outcome.status != "partial":
                break
        if outcome.status != "done":
            raise RuntimeError(f"collector ended {outcome.status}: {outcome.detail}")
    finally:
        http.close()
    run.seconds = time.perf_counter() - started
    run.provider_seconds = transport.seconds
    run.messages = publisher.take(topology.TOPIC_USAGE_COLLECTED)
    return run


@dataclass
class CostRun:
    seconds: float = 0.0
    cpu: tuple[float, float] = (0.0, 0.0)
    messages: int = 0
    days_rebuilt: int = 0


def cost_all(db: Any, messages: list[dict[str, Any]]) -> CostRun:
    """Deliver each usage-collected message to the costing service, as the costing function does."""
    from shared.adapters.firestore import FirestoreCostStore
    from shared.messages import UsageCollected
    from shared.pricing import default_catalogue
    from shared.services.costing import CostingService

    costing = CostingService(FirestoreCostStore(db, clock=lambda: NOW), default_catalogue())
    run = CostRun()
    started = time.perf_counter()
    for body in messages:
        m = UsageCollected.model_validate(body)
        run.days_rebuilt += costing.price_range(m.tenant_id, m.account_id, m.provider, m.start, m.end)
        run.messages += 1
    run.seconds = time.perf_counter() - started
    return run


def representative_doc(base_url: str) -> tuple[dict[str, Any], int, float]:
    """The collector's own encoding of a typical hour (the hour of one day whose row count is nearest the
    day's mean), its row count and the day's mean."""
    from shared.adapters import codec
    from shared.providers.anthropic import AnthropicAdminClient

    with httpx.Client(timeout=30) as http:
        client = AnthropicAdminClient(KEY, base_url=base_url, http=http)
        day = NOW.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
        buckets = list(client.usage_buckets(day, day + timedelta(days=1)))
    mean = statistics.fmean(len(b.rows) for b in buckets)
    closest = min(buckets, key=lambda b: abs(len(b.rows) - mean))
    return codec.bucket_to_doc(ACCOUNT_ID, closest, NOW), len(closest.rows), mean


def one_row_doc(hour_doc: dict[str, Any]) -> dict[str, Any]:
    """What a row-per-document design would write: one row as a map, with its hour."""
    from shared.adapters import codec

    row = codec.bucket_from_doc(hour_doc).rows[0]
    return {
        "account_id": hour_doc["account_id"],
        "hour_start": hour_doc["hour_start"],
        "dims": row.dims.to_dict(),
        "tokens": row.tokens.to_dict(),
    }


def raw_write_rate(db: Any, doc: dict[str, Any], n: int, label: str, size: int = BATCH) -> float:
    """Documents/s for ``n`` copies of ``doc`` written with the raw client in batches of ``size``."""
    col = db.collection("bench_raw").document(label).collection("hours")
    started = time.perf_counter()
    for lo in range(0, n, size):
        batch = db.batch()
        for i in range(lo, min(lo + size, n)):
            batch.set(col.document(f"{i:06d}"), doc)
        batch.commit()
    return n / (time.perf_counter() - started)


def minimum_requests(hours: int) -> int:
    """Usage pages at 168 hourly buckets each, plus one page each of the key and workspace lists."""
    return math.ceil(hours / 168) + 2


@dataclass
class Dataset:
    """What an ingest run left in the emulator (the dashboard benchmark reads it)."""

    project: str
    tenant_id: str
    account_id: str
    days: int
    combos_per_hour: int
    hours: int
    rows: int
    collect: CollectRun
    cost: CostRun
    sim_requests: int


def build_dataset(
    db: Any, project: str, base_url: str, sim: AnthropicSimulator, days: int, combos: int, cpu: CpuMeter | None = None
) -> Dataset:
    """Collect and price ``days`` of history of the bench organization into the emulator."""
    from shared.adapters.firestore import FirestoreAccountStore

    secrets = BenchSecrets()
    ref = secrets.put(TENANT, ACCOUNT_ID, KEY)
    FirestoreAccountStore(db).create(new_account(TENANT, ACCOUNT_ID, days, ref))
    sim.reset_requests()
    cpu0 = cpu.read() if cpu else (0.0, 0.0)
    collect = collect_all(db, secrets, base_url, TENANT, ACCOUNT_ID)
    cpu1 = cpu.read() if cpu else (0.0, 0.0)
    sim_requests = len(sim.requests)
    cost = cost_all(db, collect.messages)
    cpu2 = cpu.read() if cpu else (0.0, 0.0)
    collect.cpu = (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1])
    cost.cpu = (cpu2[0] - cpu1[0], cpu2[1] - cpu1[1])
    return Dataset(project, TENANT, ACCOUNT_ID, days, combos, collect.hours, collect.rows, collect, cost, sim_requests)


# -- the collector's memory, in a child process that is nothing but a collector instance ------------------


def _rss_kib(field_name: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return 0


def _memory_child(spec: dict[str, Any]) -> dict[str, Any]:
    import tracemalloc

    from google.cloud import firestore

    from shared.adapters.firestore import FirestoreAccountStore

    db = firestore.Client(project=spec["project"])
    secrets = BenchSecrets()
    ref = secrets.put(spec["tenant_id"], spec["account_id"], KEY)
    FirestoreAccountStore(db).create(new_account(spec["tenant_id"], spec["account_id"], spec["days"], ref))
    # Import everything the collect path uses before the baseline, as a warm function instance has.
    import shared.providers.anthropic
    import shared.services.collector  # noqa: F401

    if spec["mode"] == "tracemalloc":
        tracemalloc.start()
    else:
        # Reset the kernel's peak-RSS mark (VmHWM) so the peak below is this collect's.
        Path("/proc/self/clear_refs").write_text("5")
    baseline = _rss_kib("VmRSS")
    run = collect_all(db, secrets, spec["base_url"], spec["tenant_id"], spec["account_id"])
    out: dict[str, Any] = {"rows": run.rows, "hours": run.hours, "seconds": run.seconds}
    if spec["mode"] == "tracemalloc":
        out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        out["rss_baseline_mib"] = baseline / 1024
        out["rss_peak_mib"] = _rss_kib("VmHWM") / 1024
        out["rss_delta_mib"] = (_rss_kib("VmHWM") - baseline) / 1024
    return out


def collector_memory(project: str, base_url: str, days: int, mode: str) -> dict[str, Any]:
    spec = {
        "project": project,
        "tenant_id": "bench-mem",
        "account_id": "acc_" + uuid.uuid4().hex[:16],
        "base_url": base_url,
        "days": days,
        "mode": mode,
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bench.ingest", "--memory-child", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"memory child failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- main ---------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=180, help="days of history (default 180; 7 for a smoke run)")
    parser.add_argument("--combos", type=int, default=DEFAULT_COMBOS, help="simulator combos_per_hour")
    parser.add_argument("--raw-docs", type=int, default=5000, help="documents for the raw write rate")
    parser.add_argument("--raw-batch", type=int, default=BATCH, help="documents per raw batch (Firestore max 500)")
    parser.add_argument("--no-memory", action="store_true", help="skip the collector memory runs")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        print(json.dumps(_memory_child(json.loads(args.memory_child))))
        return 0

    from google.cloud import firestore

    project = "tm-bench-" + uuid.uuid4().hex[:8]
    print(
        f"== ingest: {args.days} days, 20 API keys, 6 models, 3 workspaces, combos_per_hour={args.combos}", flush=True
    )
    with emulator_env(Path(tempfile.mkdtemp(prefix="tm-bench-logs-"))) as emu:
        cpu = CpuMeter(emu.procs[0].popen.pid)
        sim = simulator(args.combos)
        base_url = sim.start()
        db = firestore.Client(project=project)
        try:
            doc, doc_rows, mean_rows = representative_doc(base_url)
            raw_write_rate(db, doc, 2 * args.raw_batch, "warm-up", args.raw_batch)  # the JVM's JIT warms up
            raw = [raw_write_rate(db, doc, args.raw_docs, "before", args.raw_batch)]
            data = build_dataset(db, project, base_url, sim, args.days, args.combos, cpu)
            report_pipeline(data)
            raw.append(raw_write_rate(db, doc, args.raw_docs, "after", args.raw_batch))
            one_row = raw_write_rate(db, one_row_doc(doc), args.raw_docs, "one-row", args.raw_batch)
            report_raw(args, data, doc_rows, mean_rows, raw, one_row)
            if not args.no_memory:
                memory = collector_memory(project, base_url, args.days, "rss")
                memory.update(collector_memory(project, base_url, args.days, "tracemalloc"))
                report_memory(data, memory)
        finally:
            sim.stop()
            db.close()
    return 0


class CpuMeter:
    """CPU seconds of this process (with the in-process simulator) and of the Firestore emulator's JVM."""

    def __init__(self, emulator_pid: int):
        self._stat = Path(f"/proc/{emulator_pid}/stat")
        self._tick = os.sysconf("SC_CLK_TCK")

    def read(self) -> tuple[float, float]:
        fields_after_name = self._stat.read_text().rsplit(")", 1)[1].split()
        utime, stime = int(fields_after_name[11]), int(fields_after_name[12])
        return time.process_time(), (utime + stime) / self._tick


def report_pipeline(data: Dataset) -> None:
    c, k = data.collect, data.cost
    total = c.seconds + k.seconds
    docs_written = data.hours + data.hours + k.days_rebuilt  # raw hours, priced hours, daily aggregates
    print(f"data:          {data.hours} account-hours, {data.rows} raw rows ({data.rows / data.hours:.1f} rows/hour)")
    print(
        f"collector:     {c.seconds:.1f} s ({c.provider_seconds:.1f} s waiting for the simulator), "
        f"{c.invocations} invocation(s), {data.hours / c.seconds:.0f} hours/s, {data.rows / c.seconds:.0f} rows/s; "
        f"CPU {c.cpu[0]:.1f} s here (incl. simulator), {c.cpu[1]:.1f} s emulator"
    )
    print(
        f"costing:       {k.seconds:.1f} s for {k.messages} usage-collected messages, {k.days_rebuilt} days rebuilt, "
        f"{data.hours / k.seconds:.0f} hours/s, {data.rows / k.seconds:.0f} rows/s; "
        f"CPU {k.cpu[0]:.1f} s here, {k.cpu[1]:.1f} s emulator"
    )
    print(
        f"end to end:    {total:.1f} s: {data.rows / total:.0f} rows/s, {data.hours / total:.0f} account-hours/s "
        f"(= raw-hour documents/s), {docs_written / total:.0f} documents written/s in all "
        f"({docs_written}: raw hours, priced hours, daily aggregates)",
        flush=True,
    )
    minimum = minimum_requests(data.hours)
    over = c.requests / minimum - 1
    print(
        f"requests:      {c.requests} by the client, {data.sim_requests} seen by the simulator; minimum "
        f"{minimum} (ceil({data.hours}/168) usage pages + 2 name lists): {100 * over:+.1f}% "
        f"(target within 10%): {'OK' if over <= 0.10 else 'MISSED'}",
        flush=True,
    )


def report_raw(
    args: argparse.Namespace, data: Dataset, doc_rows: int, mean_rows: float, raw: list[float], one_row: float
) -> None:
    total = data.collect.seconds + data.cost.seconds
    best = max(raw)
    print(
        f"raw emulator:  {raw[0]:.0f} docs/s before, {raw[1]:.0f} docs/s after the ingest: {args.raw_docs} "
        f"raw-hour documents of {doc_rows} rows (the day's mean is {mean_rows:.1f}) in batches of {args.raw_batch} "
        f"= {best * doc_rows:.0f} rows/s at the better rate"
    )
    ratio = data.hours / total / best
    print(
        f"ratio:         end to end {data.hours / total:.0f} account-hours/s vs raw {best:.0f} docs/s "
        f"(rows/s: {data.rows / total:.0f} vs {best * doc_rows:.0f}) = {100 * ratio:.0f}% (target >= 40%): "
        f"{'OK' if ratio >= 0.4 else 'MISSED'}",
        flush=True,
    )
    c, k = data.collect, data.cost
    print(
        f"why:           per account-hour the pipeline spends {1000 * (c.cpu[0] + k.cpu[0]) / data.hours:.2f} ms of "
        f"Python CPU (fetch and parse, hash, pack, write; read, price {mean_rows:.0f} rows, pack, write 2 documents) "
        f"and {1000 * (c.cpu[1] + k.cpu[1]) / data.hours:.2f} ms of emulator CPU, where the raw write of one "
        f"packed document takes {1000 / best:.2f} ms in all"
    )
    print(
        f"for scale:     the emulator writes {one_row:.0f} docs/s when each document holds one row (a row-per-"
        f"document design): end to end stores {data.rows / total:.0f} rows/s = {100 * data.rows / total / one_row:.0f}%"
        f" of that",
        flush=True,
    )


def report_memory(data: Dataset, memory: dict[str, Any]) -> None:
    ok = memory["tracemalloc_peak_mib"] * 2**20 < 256e6 and memory["rss_peak_mib"] * 2**20 < 256e6
    print(
        f"collector mem: tracemalloc peak {memory['tracemalloc_peak_mib']:.1f} MiB; RSS "
        f"{memory['rss_baseline_mib']:.0f} -> peak {memory['rss_peak_mib']:.0f} MiB "
        f"(+{memory['rss_delta_mib']:.1f} MiB), in a child process doing one {data.days}-day collect "
        f"({memory['rows']} rows); target < 256 MB: {'OK' if ok else 'MISSED'}",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
