"""Dispatcher benchmark: one hourly tick over 10,000 and 100,000 due accounts, on the emulators.

Accounts are seeded with batched writes across many tenants (50 accounts a tenant), each with
``next_sync_at`` in the past, plus accounts that must not be dispatched: some not due yet, some
disconnected, some holding a live sync lease. Then the real ``DispatcherService.dispatch`` runs with the
real ``FirestoreAccountStore`` (its collection-group query, paged by a cursor) and the real
``PubSubPublisher`` against the Pub/Sub emulator, and every message that arrives on a pull subscription of
the collect-requests topic is counted and checked: every due account exactly once, nothing else.

Each size runs two ticks, each in a child process that does nothing but dispatch (as a function instance
would): one measuring its peak resident set (VmHWM, reset before the tick), one under tracemalloc (which
inflates RSS, so the two are not measured together). Printed: wall time (and how much of it went waiting
for the due query's pages), messages/s, peak memory, and the check.

Run: ``python -m bench.dispatcher`` (10,000 and 100,000; a few minutes), ``--accounts 20000`` (one size,
repeatable), or ``--small`` (1,000).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import tracemalloc
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import emulator_env, load_average, proc_status_kib, reset_peak_rss, run_child

NOW = datetime(2026, 11, 30, 10, 5, tzinfo=UTC)
PER_TENANT = 50
NOT_DUE_SHARE = 0.05
DISCONNECTED_SHARE = 0.02
LEASED_SHARE = 0.01


@dataclass
class Seeded:
    due: set[tuple[str, str]]
    others: int
    matching: int
    """Accounts the due query returns (due ones and leased ones; disconnected and future ones never match)."""
    seconds: float


def seed(db: Any, accounts: int) -> Seeded:
    """``accounts`` due accounts and a few percent more that are not, written 500 to a batch on 4 threads."""
    from shared.adapters import codec, paths
    from shared.domain.accounts import STATUS_CONNECTED, STATUS_DISCONNECTED, Account

    extra = {
        "not_due": round(accounts * NOT_DUE_SHARE),
        "disconnected": round(accounts * DISCONNECTED_SHARE),
        "leased": round(accounts * LEASED_SHARE),
    }
    kinds = ["due"] * accounts + [k for k, n in extra.items() for _ in range(n)]
    due: set[tuple[str, str]] = set()
    docs: list[tuple[Any, dict[str, Any]]] = []
    for i, kind in enumerate(kinds):
        tenant_id = f"tenant-{i // PER_TENANT:06d}"
        account_id = f"acc_{i:016x}"
        account = Account(
            tenant_id=tenant_id,
            id=account_id,
            provider="anthropic",
            name=f"Org {i}",
            status=STATUS_DISCONNECTED if kind == "disconnected" else STATUS_CONNECTED,
            created_at=NOW - timedelta(days=30),
            history_start=NOW - timedelta(days=60),
            history_days=30,
            secret_ref="sealed-ref",
            key_hint="sk-ant-admin01-...abcd",
            next_sync_at=(
                None
                if kind == "disconnected"
                else NOW + timedelta(minutes=30)
                if kind == "not_due"
                else NOW - timedelta(minutes=1 + i % 50)
            ),
            lease_until=NOW + timedelta(seconds=30) if kind == "leased" else None,
        )
        if kind == "due":
            due.add((tenant_id, account_id))
        docs.append((paths.account(db, tenant_id, account_id), codec.account_to_doc(account)))

    def write(chunk: list[tuple[Any, dict[str, Any]]]) -> None:
        batch = db.batch()
        for ref, doc in chunk:
            batch.set(ref, doc)
        batch.commit()

    started = time.perf_counter()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, [docs[i : i + 500] for i in range(0, len(docs), 500)]))
    return Seeded(due, len(kinds) - accounts, accounts + extra["leased"], time.perf_counter() - started)


def drain(subscriber: Any, subscription: str, expect: int) -> tuple[Counter[tuple[str, str]], float]:
    """Pull and acknowledge until ``expect`` messages arrived and one more pull found nothing."""
    from google.api_core import exceptions

    got: Counter[tuple[str, str]] = Counter()
    started = time.perf_counter()
    while time.perf_counter() - started < 900:
        try:
            response = subscriber.pull(
                request={"subscription": subscription, "max_messages": 1000, "return_immediately": True},
                timeout=5,
                retry=None,
            )
            received = list(response.received_messages)
        except exceptions.DeadlineExceeded:
            received = []
        if received:
            for m in received:
                body = json.loads(m.message.data)
                got[body["tenant_id"], body["account_id"]] += 1
            subscriber.acknowledge(request={"subscription": subscription, "ack_ids": [m.ack_id for m in received]})
        elif sum(got.values()) >= expect:
            time.sleep(2)  # anything published twice would be there by now
            try:
                late = subscriber.pull(
                    request={"subscription": subscription, "max_messages": 1000, "return_immediately": True},
                    timeout=5,
                    retry=None,
                ).received_messages
            except exceptions.DeadlineExceeded:
                late = []
            for m in late:
                body = json.loads(m.message.data)
                got[body["tenant_id"], body["account_id"]] += 1
            if not late:
                break
        else:
            time.sleep(0.05)
    return got, time.perf_counter() - started


@dataclass
class Tick:
    dispatched: int
    seconds: float
    query_seconds: float = 0.0
    rss_baseline_mib: float = 0.0
    rss_peak_mib: float = 0.0
    tracemalloc_peak_mib: float = 0.0
    received: int = 0
    distinct_due: int = 0
    duplicates: int = 0
    unexpected: int = 0
    drain_seconds: float = 0.0


def _tick_child(spec: dict[str, Any]) -> dict[str, Any]:
    """One tick in a process that is nothing but a dispatcher instance (as a function instance would be), so
    its resident set is the dispatcher's own. The time spent waiting for the due query's pages is taken
    apart from the rest (building and publishing the requests)."""
    from google.cloud import firestore

    from shared import topology
    from shared.adapters.firestore import FirestoreAccountStore
    from shared.adapters.pubsub import PubSubPublisher
    from shared.services.dispatcher import DispatcherService

    store = FirestoreAccountStore(firestore.Client(project=spec["project"]))
    query_seconds = [0.0]
    due_for_sync = store.due_for_sync

    def timed_due(now: datetime) -> Any:
        pages = due_for_sync(now)
        while True:
            started = time.perf_counter()
            try:
                item = next(pages)
            except StopIteration:
                query_seconds[0] += time.perf_counter() - started
                return
            query_seconds[0] += time.perf_counter() - started
            yield item

    store.due_for_sync = timed_due  # type: ignore[method-assign]
    service = DispatcherService(
        store, PubSubPublisher(spec["project"]), topology.TOPIC_COLLECT_REQUESTS, clock=lambda: NOW
    )
    if spec["mode"] == "tracemalloc":
        tracemalloc.start()
    else:
        reset_peak_rss()
    baseline = proc_status_kib("VmRSS")
    started = time.perf_counter()
    count = service.dispatch()
    out: dict[str, Any] = {
        "dispatched": count,
        "seconds": time.perf_counter() - started,
        "query_seconds": query_seconds[0],
    }
    if spec["mode"] == "tracemalloc":
        out["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        out["rss_baseline_mib"] = baseline / 1024
        out["rss_peak_mib"] = proc_status_kib("VmHWM") / 1024
    return out


def tick(project: str, mode: str) -> Tick:
    return Tick(**run_child("bench.dispatcher", "--tick-child", {"project": project, "mode": mode}))


def run_size(accounts: int) -> None:
    from google.cloud import firestore, pubsub_v1

    from shared import topology
    from shared.adapters.firestore import DUE_PAGE

    project = "tm-bench-disp-" + uuid.uuid4().hex[:8]
    db = firestore.Client(project=project)
    publisher_client = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    topic = publisher_client.topic_path(project, topology.TOPIC_COLLECT_REQUESTS)
    subscription = subscriber.subscription_path(project, "bench-collect-requests")
    publisher_client.create_topic(name=topic)
    subscriber.create_subscription(request={"name": subscription, "topic": topic, "ack_deadline_seconds": 600})
    seeded = seed(db, accounts)
    total = accounts + seeded.others
    print(
        f"seeded:        {total} accounts in {total // PER_TENANT + 1} tenants in {seeded.seconds:.1f} s "
        f"({total / seeded.seconds:.0f}/s, batches of 500 on 4 threads): {accounts} due, {seeded.others} not "
        f"(not due yet, disconnected, or holding a live lease)",
        flush=True,
    )
    for mode in ("rss", "tracemalloc"):
        t = tick(project, mode)
        got, t.drain_seconds = drain(subscriber, subscription, accounts)
        t.received = sum(got.values())
        t.distinct_due = len(set(got) & seeded.due)
        t.duplicates = sum(n - 1 for n in got.values() if n > 1)
        t.unexpected = len(set(got) - seeded.due)
        ok = t.dispatched == accounts and t.distinct_due == accounts and not t.duplicates and not t.unexpected
        memory = (
            f"peak RSS {t.rss_peak_mib:.0f} MiB ({t.rss_peak_mib - t.rss_baseline_mib:+.1f} MiB over "
            f"{t.rss_baseline_mib:.0f} before the tick, in a process that only dispatches)"
            if mode == "rss"
            else f"tracemalloc peak {t.tracemalloc_peak_mib:.1f} MiB (this tick runs slower under tracemalloc)"
        )
        print(
            f"tick ({mode:11}) {t.seconds:6.1f} s: {t.dispatched} collect requests, {t.dispatched / t.seconds:,.0f} "
            f"messages/s, {seeded.matching} documents read in {seeded.matching // DUE_PAGE + 1} query pages of "
            f"{DUE_PAGE} ({t.query_seconds:.1f} s waiting for pages); {memory}",
            flush=True,
        )
        print(
            f"  pulled:      {t.received} messages in {t.drain_seconds:.1f} s: {t.distinct_due} of {accounts} due "
            f"accounts, {t.duplicates} duplicates, {t.unexpected} not due: "
            f"{'every due account exactly once' if ok else 'MISMATCH'}",
            flush=True,
        )
    subscriber.close()
    db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatcher", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--accounts", type=int, action="append", help="due accounts (repeatable; default 10,000 and 100,000)"
    )
    parser.add_argument("--small", action="store_true", help="smoke run: 1,000 accounts")
    parser.add_argument("--tick-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tick_child:
        print(json.dumps(_tick_child(json.loads(args.tick_child))))
        return 0
    sizes = [1000] if args.small else (args.accounts or [10_000, 100_000])
    print(
        f"== dispatcher: one tick over {', '.join(f'{n:,}' for n in sizes)} due accounts "
        f"(load average {load_average()})"
    )
    with emulator_env(Path(tempfile.mkdtemp(prefix="tm-bench-disp-")), heap="3g"):
        for n in sizes:
            print(f"-- {n:,} due accounts", flush=True)
            run_size(n)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
