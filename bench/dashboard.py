"""Dashboard benchmark: latency and Firestore documents read for 30-day and 180-day usage summaries.

The data is built exactly as ``bench.ingest`` builds it (simulator -> collector -> costing -> emulator).
Then each summary (by model, by day, by API key) is asked many times:
- in process, through the real ``UsageQueryService`` with the real Firestore adapters;
- over HTTP, through the ``api`` function served by functions-framework (``local.wiring.start_functions``)
  with a bearer token of a tenant member, as the dashboard asks it.

Printed per summary: the first query's latency (for the first summary of a range the stored tables are
decoded then; the API keeps decoded tables, so later queries over the same days skip that), p50/p95
latency of the following queries, documents read (the response's ``documents_read``) and the raw row
count of the range: documents read must follow the days in range (one aggregate per account and day),
not the raw rows.

Run: ``python -m bench.dashboard`` (180 days of data) or ``python -m bench.dashboard --days 7`` (smoke).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.ingest import DEFAULT_COMBOS, NOW, TENANT, build_dataset, emulator_env, simulator

GROUPS = ("model", "day", "api_key")
USER = "bench-owner"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def measure(
    call: Callable[[], dict[str, Any]], repeats: int, warmup: int = 3
) -> tuple[float, list[float], dict[str, Any]]:
    """The first call's latency (ms), then ``repeats`` timed calls after ``warmup`` untimed ones."""
    started = time.perf_counter()
    body = call()
    first = (time.perf_counter() - started) * 1000
    for _ in range(warmup - 1):
        body = call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        body = call()
        times.append((time.perf_counter() - started) * 1000)
    return first, times, body


def raw_rows_in(db: Any, account_id: str, start: date, end: date) -> int:
    from shared.adapters.firestore import FirestoreUsageStore
    from shared.domain.usage import utc_hour

    store = FirestoreUsageStore(db)
    first = utc_hour(NOW).replace(year=start.year, month=start.month, day=start.day, hour=0)
    last = first + timedelta(days=(end - start).days + 1)
    return sum(len(b.rows) for b in store.read_buckets(TENANT, account_id, first, last))


def http_client(project: str, tmp: Path) -> tuple[Any, httpx.Client]:
    """The api function under functions-framework, and a client carrying a tenant owner's token."""
    from google.cloud import firestore

    from local.wiring import start_functions
    from shared.adapters.firestore_tenancy import FirestoreTenantStore
    from shared.domain.tenancy import Member, Tenant
    from shared.security.auth import LocalTokenIssuer

    env = {"GOOGLE_CLOUD_PROJECT": project, "TM_MODE": "local", "TM_LOCAL_DIR": str(tmp / "local")}
    functions = start_functions(env, tmp / "logs")
    store = FirestoreTenantStore(firestore.Client(project=project))
    member = Member(USER, "owner")
    # Enterprise keeps a year: the 180-day summary is inside the plan window (the real clock is past NOW).
    if not store.create_tenant(Tenant(id=TENANT, plan="enterprise"), member):
        store.put_member(TENANT, member)
    token = LocalTokenIssuer(tmp / "local", project).issue(TENANT, user_id=USER)
    client = httpx.Client(base_url=functions.url("api"), headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return functions, client


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=180, help="days of history to build (default 180)")
    parser.add_argument("--combos", type=int, default=DEFAULT_COMBOS, help="simulator combos_per_hour")
    parser.add_argument("--repeats", type=int, default=40, help="timed queries per summary")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP measurements")
    args = parser.parse_args(argv)

    from google.cloud import firestore

    from shared.adapters.firestore import FirestoreAccountStore, FirestoreCostStore
    from shared.services.usage_query import UsageQuery, UsageQueryService

    project = "tm-bench-" + uuid.uuid4().hex[:8]
    tmp = Path(tempfile.mkdtemp(prefix="tm-bench-dash-"))
    today = NOW.date()
    spans = [s for s in (30, 180) if s <= args.days + 1] or [args.days + 1]
    results: list[tuple[str, int, str, float, list[float], int, int, int]] = []
    with emulator_env(tmp / "emulators"):
        sim = simulator(args.combos)
        base_url = sim.start()
        db = firestore.Client(project=project)
        try:
            started = time.perf_counter()
            data = build_dataset(db, project, base_url, sim, args.days, args.combos)
            built = time.perf_counter() - started
        finally:
            sim.stop()
        service = UsageQueryService(FirestoreAccountStore(db), FirestoreCostStore(db))
        raw = {span: raw_rows_in(db, data.account_id, today - timedelta(days=span - 1), today) for span in spans}
        for span in spans:
            start = today - timedelta(days=span - 1)
            for group in GROUPS:
                query = UsageQuery(start=start, end=today, group_by=(group,))
                first, times, body = measure(lambda q=query: service.query(TENANT, q), args.repeats)
                results.append(
                    ("service", span, group, first, times, body["documents_read"], raw[span], len(body["rows"]))
                )
        if not args.no_http:
            functions, client = http_client(project, tmp)
            try:
                for span in spans:
                    start = today - timedelta(days=span - 1)
                    for group in GROUPS:
                        params = {"from": start.isoformat(), "to": today.isoformat(), "group_by": group}

                        def call(params: dict[str, str] = params) -> dict[str, Any]:
                            response = client.get("/v1/usage", params=params)
                            if response.status_code != 200:
                                raise RuntimeError(f"GET /v1/usage {params}: {response.status_code} {response.text}")
                            body: dict[str, Any] = response.json()
                            return body

                        first, times, body = measure(call, args.repeats)
                        results.append(
                            ("http", span, group, first, times, body["documents_read"], raw[span], len(body["rows"]))
                        )
            finally:
                client.close()
                functions.stop()
        db.close()

    print(
        f"== dashboard: {data.days} days built in {built:.0f} s ({data.hours} account-hours, {data.rows} raw rows, "
        f"combos_per_hour={data.combos_per_hour}, 1 account); {args.repeats} timed queries per summary"
    )
    print(
        f"{'path':8} {'range':>6} {'group_by':9} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8} {'docs read':>10} "
        f"{'raw rows':>9} rows"
    )
    worst = 0.0
    docs_ok = True
    for path, span, group, first, times, docs, raw_rows, rows in results:
        p95 = percentile(times, 95)
        worst = max(worst, p95)
        docs_ok = docs_ok and docs <= span
        print(
            f"{path:8} {span:>5}d {group:9} {first:9.1f} {statistics.median(times):8.1f} {p95:8.1f} {docs:>10} "
            f"{raw_rows:>9} {rows}"
        )
    print(
        f"documents read per summary <= days in range (one aggregate per account and day, whatever the raw rows): "
        f"{'OK' if docs_ok else 'MISSED'}; worst p95 {worst:.1f} ms (target < 100 ms): "
        f"{'OK' if worst < 100 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
