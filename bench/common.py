"""What the benchmarks share: the emulators, in-memory stand-ins that are not what is measured, an exact
count of Firestore operations taken at the client's RPC layer, percentiles and memory readings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from local.emulators import Emulators

ROOT = Path(__file__).resolve().parent.parent


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
    """Records what a service publishes (the typed messages, as they go over the wire), so the benchmark
    delivers them to the next service itself. Implements the Publisher port."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []

    def publish(self, topic: str, message: Any) -> None:
        self.messages.append((topic, message.encode()))

    def publish_all(self, topic: str, messages: Iterable[Any]) -> int:
        count = 0
        for message in messages:
            self.publish(topic, message)
            count += 1
        return count

    def take(self, topic: str) -> list[bytes]:
        out = [m for t, m in self.messages if t == topic]
        self.messages = [(t, m) for t, m in self.messages if t != topic]
        return out


class BenchSecrets:
    """An account's key held in memory: where keys live is not what ingest or the dashboard measure."""

    def __init__(self, key: str) -> None:
        self.key = key

    def put(self, tenant_id: str, account_id: str, api_key: str) -> str:
        return f"bench://{tenant_id}/{account_id}"

    def get(self, tenant_id: str, account_id: str, ref: str) -> str:
        return self.key

    def replace(self, tenant_id: str, account_id: str, ref: str, api_key: str) -> str:
        return ref

    def delete(self, tenant_id: str, account_id: str, ref: str) -> None:
        pass


def run_child(module: str, flag: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``python -m <module> <flag> <spec as JSON>`` in a fresh process (one that does nothing but the
    measured work, as a function instance would) and return the JSON object it prints last."""
    proc = subprocess.run(
        [sys.executable, "-m", module, flag, json.dumps(spec)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{module} {flag} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


# -- Firestore operations, counted at the RPC layer ------------------------------------------------------


@dataclass
class FirestoreOps:
    """Billable Firestore operations (Standard edition rules), and the RPCs that carried them.

    Reads: every document a batch get returns, found or missing (see ``missing``), and every document a
    query returns with a minimum of one per query. Writes: every write in a commit that is not a delete
    (a set, update or merge, with or without transforms, is one write). Deletes: every delete in a commit.
    Beginning or rolling back a transaction is not billed.
    """

    reads: int = 0
    missing: int = 0
    """Of ``reads``: documents a batch get asked for that do not exist (counted as reads: conservative)."""
    query_min: int = 0
    """Of ``reads``: the one read billed for a query that returned nothing."""
    writes: int = 0
    deletes: int = 0
    rpcs: int = 0
    commits: int = 0
    transactions: int = 0

    def __sub__(self, other: FirestoreOps) -> FirestoreOps:
        return FirestoreOps(**{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)})

    def __add__(self, other: FirestoreOps) -> FirestoreOps:
        return FirestoreOps(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def copy(self) -> FirestoreOps:
        return FirestoreOps(**{f.name: getattr(self, f.name) for f in fields(self)})


@dataclass
class FirestoreMeter:
    """Counts the operations of every client it instruments (see `instrument`); ``detail`` counts them by
    (operation, collection id of the document): ("read", "priced_days"), ("missing", "usage_days"), ..."""

    ops: FirestoreOps = field(default_factory=FirestoreOps)
    detail: Counter[tuple[str, str]] = field(default_factory=Counter)

    def snapshot(self) -> FirestoreOps:
        return self.ops.copy()

    def instrument(self, client: Any) -> Any:
        """Wrap the GAPIC methods of ``client._firestore_api`` (the layer every read and write of the
        google-cloud-firestore client goes through); returns the client."""
        api = client._firestore_api
        if getattr(api, "_bench_metered", False):
            return client
        ops = self.ops
        detail = self.detail

        def commit(original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                request = kwargs.get("request") or (args[0] if args else None)
                writes = list(getattr(request, "writes", None) or (request or {}).get("writes", ()))
                for w in writes:
                    pb = getattr(w, "_pb", w)
                    if pb.WhichOneof("operation") == "delete":
                        ops.deletes += 1
                        detail["delete", _collection(pb.delete)] += 1
                    else:
                        ops.writes += 1
                        detail["write", _collection(pb.update.name)] += 1
                ops.rpcs += 1
                ops.commits += 1
                return original(*args, **kwargs)

            return wrapped

        def batch_get(original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                ops.rpcs += 1
                for response in original(*args, **kwargs):
                    which = response._pb.WhichOneof("result")
                    if which == "found":
                        ops.reads += 1
                        detail["read", _collection(response._pb.found.name)] += 1
                    elif which == "missing":
                        ops.reads += 1
                        ops.missing += 1
                        detail["missing", _collection(response._pb.missing)] += 1
                    yield response

            return wrapped

        def run_query(original: Callable[..., Any]) -> Callable[..., Any]:
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                ops.rpcs += 1
                documents = 0
                try:
                    for response in original(*args, **kwargs):
                        if response._pb.HasField("document"):
                            documents += 1
                            ops.reads += 1
                            detail["query", _collection(response._pb.document.name)] += 1
                        yield response
                finally:
                    if documents == 0:
                        ops.reads += 1
                        ops.query_min += 1
                        detail["query", "(empty)"] += 1

            return wrapped

        def free(original: Callable[..., Any], is_txn: bool = False) -> Callable[..., Any]:
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                ops.rpcs += 1
                if is_txn:
                    ops.transactions += 1
                return original(*args, **kwargs)

            return wrapped

        api.commit = commit(api.commit)
        api.batch_get_documents = batch_get(api.batch_get_documents)
        api.run_query = run_query(api.run_query)
        api.begin_transaction = free(api.begin_transaction, is_txn=True)
        api.rollback = free(api.rollback)
        for unmetered in ("run_aggregation_query", "list_documents", "batch_write", "partition_query"):
            original = getattr(api, unmetered, None)
            if original is not None:
                setattr(api, unmetered, _refuse(unmetered))
        api._bench_metered = True
        return client


def _collection(document_name: str) -> str:
    """The collection id of a document's full name (…/documents/a/x/b/y -> b)."""
    parts = document_name.split("/")
    return parts[-2] if len(parts) >= 2 else document_name


def _refuse(name: str) -> Callable[..., Any]:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"Firestore {name} is not metered by bench.common.FirestoreMeter: add its billing rule")

    return refused


# -- memory ---------------------------------------------------------------------------------------------


def proc_status_kib(name: str, pid: int | str = "self") -> int:
    """A field of /proc/<pid>/status in KiB (VmRSS, VmHWM, ...); 0 when absent."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return 0


def reset_peak_rss() -> None:
    """Reset the kernel's peak-RSS mark (VmHWM) of this process, so a later VmHWM is the new peak."""
    Path("/proc/self/clear_refs").write_text("5")


class CpuMeter:
    """CPU seconds of this process and of another (the Firestore emulator's JVM)."""

    def __init__(self, other_pid: int):
        self._stat = Path(f"/proc/{other_pid}/stat")
        self._tick = os.sysconf("SC_CLK_TCK")

    def read(self) -> tuple[float, float]:
        after_name = self._stat.read_text().rsplit(")", 1)[1].split()
        utime, stime = int(after_name[11]), int(after_name[12])
        return time.process_time(), (utime + stime) / self._tick


def load_average() -> str:
    """The machine's 1-minute load average (other work on a shared machine tilts timings)."""
    return Path("/proc/loadavg").read_text().split()[0]
