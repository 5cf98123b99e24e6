"""Ingest benchmark: months of hourly usage from the simulated provider through collector and costing.

One organization with 20 API keys, 6 models and 3 workspaces (the simulator's ``UsageProfile``) is read
by the real ``CollectorService`` (real ``AnthropicAdminClient`` over loopback HTTP, the real billed-ledger
collector, ``FirestoreAccountStore`` and ``FirestoreLedgerUnitOfWork`` on the emulator), then priced by the
real ``CostingService`` (``FirestoreLedgerUnitOfWork``, ``default_catalogue()``). Costing is driven by the
usage-collected messages the collector publishes: an in-process publisher records them and each is decoded
with the same model the costing function uses, then handed to ``price_days`` as the function would.

Figures printed:
- end to end: raw rows/s and account-hours/s, and the documents the pipeline wrote (raw usage days, priced
  days, month rollups, billed days);
- the emulator's own batched-write rate in the same run, of the same packed documents: a raw usage-day
  document (24 hours as fields, each ``codec.usage_hour_field``, written with the same field-path merge as
  ``put_hours``) in batches of 500. Like is compared with like: account-hours/s end to end against raw
  account-hours/s (= raw day documents/s x 24), which is rows/s end to end against raw rows/s;
- provider requests against the minimum the page limits allow: ceil(hours / 168) usage pages, ceil(days / 31)
  cost-report pages, one page each of the API key and workspace lists;
- the collector's peak memory, measured in a child process that does nothing but one collect (as a
  function instance would): tracemalloc peak in one run, resident-set growth in another (tracemalloc
  inflates RSS, so the two are not measured together).

Run: ``python -m bench.ingest`` (180 days) or ``python -m bench.ingest --days 7`` (smoke).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    BenchSecrets,
    CpuMeter,
    QueuedPublisher,
    emulator_env,
    load_average,
    proc_status_kib,
    reset_peak_rss,
    run_child,
)
from local.anthropic_sim import AnthropicSimulator, SimOrganization, UsageProfile

NOW = datetime(2026, 11, 20, 14, 25, tzinfo=UTC)
"""The simulated clock of ingest: usage exists up to here, the running hour is partial."""
TENANT = "bench"
ACCOUNT_ID = "acc_00000000000be7c1"
ORG_ID = "org_bench"
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


def profile(combos_per_hour: int) -> UsageProfile:
    return UsageProfile(seed=2026, api_keys=20, workspaces=3, models=MODELS, combos_per_hour=combos_per_hour)


def simulator(combos_per_hour: int, now: datetime = NOW) -> AnthropicSimulator:
    sim = AnthropicSimulator(now=lambda: now)
    sim.add_organization(SimOrganization(ORG_ID, "Bench Org", admin_keys=[KEY], profile=profile(combos_per_hour)))
    return sim


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


def new_account(tenant_id: str, account_id: str, days: int, secret_ref: str, now: datetime = NOW) -> Any:
    from shared.domain.accounts import STATUS_SYNCING, Account
    from shared.pricing import catalogue_version

    day0 = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return Account(
        tenant_id=tenant_id,
        id=account_id,
        provider="anthropic",
        name="Bench Org",
        status=STATUS_SYNCING,
        created_at=now,
        history_start=day0 - timedelta(days=days),
        history_days=days,
        secret_ref=secret_ref,
        key_hint="sk-ant-admin01-...bnch",
        key_created_at=now,
        next_sync_at=now,
        priced_with=catalogue_version(),  # as AccountService.connect sets it: no re-pricing of the import
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
    messages: list[bytes] = field(default_factory=list)


def collect_all(
    db: Any, base_url: str, tenant_id: str, account_id: str, now: datetime = NOW, billed: bool = True
) -> CollectRun:
    """One account's whole history, invoking the collector again while it answers "partial" (as the
    "continue" message it publishes would). Wired as ``shared.bootstrap.collector_service`` wires it, with
    the key in memory and the clock fixed."""
    from shared import topology
    from shared.adapters.firestore import FirestoreAccountStore, FirestoreLedgerUnitOfWork
    from shared.providers.anthropic import AnthropicAdminClient
    from shared.services.billing import BilledLedgerCollector
    from shared.services.collector import CollectorService

    transport = TimedTransport()
    http = httpx.Client(transport=transport, timeout=httpx.Timeout(30.0, connect=10.0))
    publisher = QueuedPublisher()

    def factory(provider: str, api_key: str, deadline: float) -> AnthropicAdminClient:
        return AnthropicAdminClient(api_key, base_url=base_url, http=http, deadline=deadline)

    def clock() -> datetime:
        return now

    collector = CollectorService(
        accounts=FirestoreAccountStore(db),
        ledger=lambda t, a: FirestoreLedgerUnitOfWork(db, t, a, clock),
        secrets=BenchSecrets(KEY),
        publisher=publisher,
        client_factory=factory,
        topic_collect_requests=topology.TOPIC_COLLECT_REQUESTS,
        topic_usage_collected=topology.TOPIC_USAGE_COLLECTED,
        topic_account_events=topology.TOPIC_ACCOUNT_EVENTS,
        clock=clock,
        billed=BilledLedgerCollector(clock=clock) if billed else None,
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
    days_priced: int = 0
    months: int = 0


def cost_all(db: Any, messages: list[bytes], now: datetime = NOW) -> CostRun:
    """Deliver each usage-collected message to the costing service, as the costing function does."""
    from shared import topology
    from shared.adapters.firestore import FirestoreLedgerUnitOfWork
    from shared.domain.priced import month_of
    from shared.messages import UsageCollected
    from shared.pricing import default_catalogue
    from shared.services.costing import CostingService

    def clock() -> datetime:
        return now

    costing = CostingService(
        lambda t, a: FirestoreLedgerUnitOfWork(db, t, a, clock),
        default_catalogue(),
        publisher=QueuedPublisher(),
        topic_usage_priced=topology.TOPIC_USAGE_PRICED,
        clock=clock,
    )
    run = CostRun()
    started = time.perf_counter()
    for body in messages:
        m = UsageCollected.model_validate_json(body)
        outcome = costing.price_days(m.tenant_id, m.account_id, m.provider, m.days)
        run.days_priced += len(outcome.days_priced)
        run.months += len({month_of(d) for d in m.days})
        run.messages += 1
    run.seconds = time.perf_counter() - started
    return run


def usage_day_doc(base_url: str, now: datetime = NOW) -> tuple[dict[str, Any], list[str], int, dict[str, Any]]:
    """A raw usage-day document exactly as ``put_hours`` writes it (one complete day two days before
    ``now``: packed, as a whole day is), the field paths it merges, the day's row count, and the document of
    its first hour alone (the baseline before the ledger stored a day per document)."""
    from shared.adapters import codec
    from shared.providers.anthropic import AnthropicAdminClient

    with httpx.Client(timeout=30) as http:
        client = AnthropicAdminClient(KEY, base_url=base_url, http=http)
        day = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
        buckets = list(client.usage_buckets(day, day + timedelta(days=1)))
    entries = {f"{b.hour_start.astimezone(UTC).hour:02d}": codec.usage_hour_entry(b, now) for b in buckets}
    doc, merge = codec.packed_day_doc(ACCOUNT_ID, day.date(), entries)
    hour = {"account_id": ACCOUNT_ID, "day": day.date().isoformat(), **codec.usage_hour_field(buckets[0], now)}
    return doc, merge, sum(len(b.rows) for b in buckets), hour


MAX_REQUEST_BYTES = 3_500_000
"""Under the emulator's 4 MiB gRPC message limit (Firestore's own API request limit is 10 MiB)."""


def batch_size_for(db: Any, doc: dict[str, Any], merge: list[str], wanted: int = BATCH) -> tuple[int, int]:
    """How many copies of ``doc`` fit one commit request (at most ``wanted``), and one write's size in bytes."""
    batch = db.batch()
    batch.set(db.collection("bench_raw").document("size"), doc, merge=merge)
    size = sum(w._pb.ByteSize() if hasattr(w, "_pb") else w.ByteSize() for w in batch._write_pbs)
    return max(1, min(wanted, MAX_REQUEST_BYTES // size)), size


def raw_write_rate(db: Any, doc: dict[str, Any], merge: list[str], n: int, label: str, size: int = BATCH) -> float:
    """Documents/s for ``n`` copies of ``doc`` written with the raw client in batches of ``size`` (merged by
    the field paths ``merge``, or set whole when it is empty)."""
    col = db.collection("bench_raw").document(label).collection("usage_days")
    started = time.perf_counter()
    for lo in range(0, n, size):
        batch = db.batch()
        for i in range(lo, min(lo + size, n)):
            batch.set(col.document(f"{i:06d}"), doc, merge=merge or False)
        batch.commit()
    return n / (time.perf_counter() - started)


def minimum_requests(hours: int, days: int) -> int:
    """Usage pages of 168 hourly buckets, cost-report pages of 31 days, one page each of the name lists."""
    return math.ceil(hours / 168) + math.ceil(days / 31) + 2


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
    now: datetime


def build_dataset(
    db: Any,
    project: str,
    base_url: str,
    sim: AnthropicSimulator,
    days: int,
    combos: int,
    cpu: CpuMeter | None = None,
    *,
    now: datetime = NOW,
    tenant_id: str = TENANT,
    account_id: str = ACCOUNT_ID,
) -> Dataset:
    """Collect and price ``days`` of history of the bench organization into the emulator (the simulator must
    serve the organization with its clock at ``now``)."""
    from shared.adapters.firestore import FirestoreAccountStore

    FirestoreAccountStore(db).create(new_account(tenant_id, account_id, days, f"bench://{account_id}", now))
    sim.reset_requests()
    cpu0 = cpu.read() if cpu else (0.0, 0.0)
    collect = collect_all(db, base_url, tenant_id, account_id, now)
    cpu1 = cpu.read() if cpu else (0.0, 0.0)
    sim_requests = len(sim.requests)
    cost = cost_all(db, collect.messages, now)
    cpu2 = cpu.read() if cpu else (0.0, 0.0)
    collect.cpu = (cpu1[0] - cpu0[0], cpu1[1] - cpu0[1])
    cost.cpu = (cpu2[0] - cpu1[0], cpu2[1] - cpu1[1])
    return Dataset(
        project, tenant_id, account_id, days, combos, collect.hours, collect.rows, collect, cost, sim_requests, now
    )


# -- the collector's memory, in a child process that is nothing but a collector instance ------------------


def _memory_child(spec: dict[str, Any]) -> dict[str, Any]:
    import tracemalloc

    from google.cloud import firestore

    from shared.adapters.firestore import FirestoreAccountStore

    db = firestore.Client(project=spec["project"])
    FirestoreAccountStore(db).create(new_account(spec["tenant_id"], spec["account_id"], spec["days"], "bench://mem"))
    # Import everything the collect path uses before the baseline, as a warm function instance has.
    import shared.providers.anthropic
    import shared.services.billing
    import shared.services.collector  # noqa: F401

    if spec["mode"] == "tracemalloc":
        tracemalloc.start()
    else:
        reset_peak_rss()
    baseline = proc_status_kib("VmRSS")
    run = collect_all(db, spec["base_url"], spec["tenant_id"], spec["account_id"])
    out: dict[str, Any] = {"rows": run.rows, "hours": run.hours, "seconds": run.seconds}
    if spec["mode"] == "tracemalloc":
        out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        peak = proc_status_kib("VmHWM")
        out["rss_baseline_mib"] = baseline / 1024
        out["rss_peak_mib"] = peak / 1024
        out["rss_delta_mib"] = (peak - baseline) / 1024
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
    return run_child("bench.ingest", "--memory-child", spec)


# -- main ---------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=180, help="days of history (default 180; 7 for a smoke run)")
    parser.add_argument("--small", action="store_true", help="smoke run: 7 days, fewer raw documents")
    parser.add_argument("--combos", type=int, default=DEFAULT_COMBOS, help="simulator combos_per_hour")
    parser.add_argument(
        "--raw-docs", type=int, default=1000, help="usage-day documents per raw write run (3 before, 3 after)"
    )
    parser.add_argument("--raw-batch", type=int, default=BATCH, help="documents per raw batch (Firestore max 500)")
    parser.add_argument("--no-memory", action="store_true", help="skip the collector memory runs")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        print(json.dumps(_memory_child(json.loads(args.memory_child))))
        return 0
    if args.small:
        args.days, args.raw_docs = 7, 200

    from google.cloud import firestore

    project = "tm-bench-" + uuid.uuid4().hex[:8]
    print(
        f"== ingest: {args.days} days, 20 API keys, 6 models, 3 workspaces, combos_per_hour={args.combos} "
        f"(load average {load_average()} on {len(__import__('os').sched_getaffinity(0))} cores)",
        flush=True,
    )
    with emulator_env(Path(tempfile.mkdtemp(prefix="tm-bench-logs-"))) as emu:
        cpu = CpuMeter(emu.procs[0].popen.pid)
        sim = simulator(args.combos)
        base_url = sim.start()
        db = firestore.Client(project=project)
        try:
            doc, merge, day_rows, hour = usage_day_doc(base_url)
            args.raw_batch, args.doc_bytes = batch_size_for(db, doc, merge, args.raw_batch)
            raw_write_rate(db, doc, merge, 2 * args.raw_batch, "warm-up", args.raw_batch)  # the JVM's JIT warms up
            raw = {
                "before": [
                    raw_write_rate(db, doc, merge, args.raw_docs, f"before-{i}", args.raw_batch) for i in range(3)
                ]
            }
            # The baseline the ratio had before the ledger stored a day per document: one raw document per
            # account-hour (the same packed hour), so the ratio can also be compared like for like.
            hourly = {"before": [raw_write_rate(db, hour, [], 3 * args.raw_docs, f"hour-before-{i}") for i in range(3)]}
            data = build_dataset(db, project, base_url, sim, args.days, args.combos, cpu)
            report_pipeline(data)
            raw["after"] = [
                raw_write_rate(db, doc, merge, args.raw_docs, f"after-{i}", args.raw_batch) for i in range(3)
            ]
            hourly["after"] = [raw_write_rate(db, hour, [], 3 * args.raw_docs, f"hour-after-{i}") for i in range(3)]
            report_raw(args, data, day_rows, raw, hourly)
            if not args.no_memory:
                memory = collector_memory(project, base_url, args.days, "rss")
                memory.update(collector_memory(project, base_url, args.days, "tracemalloc"))
                report_memory(data, memory)
        finally:
            sim.stop()
            db.close()
    return 0


def report_pipeline(data: Dataset) -> None:
    c, k = data.collect, data.cost
    total = c.seconds + k.seconds
    raw_days = data.days + 1
    print(
        f"data:          {data.hours} account-hours, {data.rows} raw rows ({data.rows / max(data.hours, 1):.1f} "
        f"rows/hour), {raw_days} raw usage-day documents"
    )
    print(
        f"collector:     {c.seconds:.1f} s ({c.provider_seconds:.1f} s waiting for the simulator), "
        f"{c.invocations} invocation(s), {data.hours / c.seconds:.0f} hours/s, {data.rows / c.seconds:.0f} rows/s; "
        f"CPU {c.cpu[0]:.1f} s here (incl. the in-process simulator), {c.cpu[1]:.1f} s emulator"
    )
    print(
        f"costing:       {k.seconds:.1f} s for {k.messages} usage-collected messages ({k.months} units of work, one "
        f"per month of a message), {k.days_priced} days priced, {data.hours / k.seconds:.0f} hours/s, "
        f"{data.rows / k.seconds:.0f} rows/s; CPU {k.cpu[0]:.1f} s here, {k.cpu[1]:.1f} s emulator"
    )
    print(
        f"end to end:    {total:.1f} s: {data.rows / total:.0f} rows/s, {data.hours / total:.0f} account-hours/s "
        f"(~{data.hours / total / 24:.1f} raw usage-day documents/s)",
        flush=True,
    )
    minimum = minimum_requests(data.hours, raw_days)
    over = c.requests / minimum - 1
    print(
        f"requests:      {c.requests} by the client, {data.sim_requests} seen by the simulator; minimum "
        f"{minimum} (ceil({data.hours}/168) usage pages + ceil({raw_days}/31) cost-report pages + 2 name lists): "
        f"{100 * over:+.1f}%",
        flush=True,
    )


def report_raw(
    args: argparse.Namespace,
    data: Dataset,
    day_rows: int,
    raw: dict[str, list[float]],
    hourly: dict[str, list[float]],
) -> None:
    total = data.collect.seconds + data.cost.seconds
    rates = [r for runs in raw.values() for r in runs]
    best, low = max(rates), min(rates)
    print(
        f"raw emulator:  {min(raw['before']):.0f}-{max(raw['before']):.0f} usage-day docs/s before the ingest, "
        f"{min(raw['after']):.0f}-{max(raw['after']):.0f} after (3 x {args.raw_docs} documents of 24 hours, "
        f"{day_rows} rows, {args.doc_bytes / 1024:.0f} KiB, merged by field path as put_hours does, in batches of "
        f"{args.raw_batch}: as many as fit a 3.5 MB request) = {low * 24:.0f}-{best * 24:.0f} account-hours/s, "
        f"{low * day_rows:.0f}-{best * day_rows:.0f} rows/s"
    )
    e2e = data.hours / total
    ratio_hi, ratio_lo = e2e / (low * 24), e2e / (best * 24)
    verdict = "better" if ratio_lo > 0.04 else "worse" if ratio_hi < 0.04 else "about the same"
    print(
        f"ratio:         end to end {e2e:.0f} account-hours/s vs raw {low * 24:.0f}-{best * 24:.0f} account-hours/s "
        f"(rows/s: {data.rows / total:.0f} vs {low * day_rows:.0f}-{best * day_rows:.0f}) = "
        f"{100 * ratio_lo:.1f}-{100 * ratio_hi:.1f}% (against a raw write of day documents, 24 hours each)",
        flush=True,
    )
    hours = [r for runs in hourly.values() for r in runs]
    like_hi, like_lo = e2e / min(hours), e2e / max(hours)
    verdict = "better" if like_lo > 0.04 else "worse" if like_hi < 0.04 else "about the same"
    print(
        f"ratio as before: end to end {e2e:.0f} account-hours/s vs raw {min(hours):.0f}-{max(hours):.0f} one-hour "
        f"documents/s (the baseline before the ledger stored a day per document: the same packed hour, set whole, "
        f"{3 * args.raw_docs} x 3 before and after, batches of {BATCH}) = {100 * like_lo:.1f}-{100 * like_hi:.1f}%; "
        f"before the refactor it was 4%: {verdict}",
        flush=True,
    )
    c, k = data.collect, data.cost
    print(
        f"why:           per account-hour the pipeline spends {1000 * (c.cpu[0] + k.cpu[0]) / data.hours:.2f} ms of "
        f"Python CPU (fetch and parse, hash, pack, write; read raw day, price, pack priced day and month) and "
        f"{1000 * (c.cpu[1] + k.cpu[1]) / data.hours:.2f} ms of emulator CPU, where the raw write of one packed "
        f"hour takes {1000 / (best * 24):.3f}-{1000 / (low * 24):.3f} ms in all",
        flush=True,
    )


def report_memory(data: Dataset, memory: dict[str, Any]) -> None:
    print(
        f"collector mem: tracemalloc peak {memory['tracemalloc_peak_mib']:.1f} MiB; RSS "
        f"{memory['rss_baseline_mib']:.0f} -> peak {memory['rss_peak_mib']:.0f} MiB "
        f"(+{memory['rss_delta_mib']:.1f} MiB), in a child process doing one {data.days}-day collect "
        f"({memory['rows']} rows) beside a 512 MiB function",
        flush=True,
    )


if __name__ == "__main__":
    raise SystemExit(main())
