"""Dashboard benchmark: latency and Firestore documents read for 30-, 180- and 365-day usage summaries.

The data is one enterprise tenant's account (a year of history kept), built exactly as ``bench.ingest``
builds it (simulator -> collector -> costing -> emulator), up to the real current hour, since the api
function answers with the real clock. Then each summary (by model, by day, by API key) is asked many times:
- in process, through the real ``UsageQueryService`` over the real adapters (wired as ``shared.bootstrap``
  wires it: accounts, ledger store, tenant store for the plan window, tenant settings);
- over HTTP, through the ``api`` function served by functions-framework with a bearer token of a member of
  the tenant, as the dashboard asks it.

The ranges are a dashboard's: the last 30, 180 and 365 days ending today. Where a range covers whole UTC
months the ledger reads a month's rollup instead of its days, so the cost depends on where the range falls.
Beside the nine ``today`` summaries, the largest span is also asked ``aligned`` on whole UTC months (the best
case: month rollups only). When today is the last day of a month the ``today`` ranges of 30 and 365 days are
aligned too: then the 365-day span is also asked ending yesterday (``unaligned``: the two partial months at
its ends read day by day, the worst case the plan window allows).

Printed per summary: the first query's latency (for the first summary of a range the stored tables are
decoded then; a process keeps decoded tables, so later queries over the same days skip that), p50/p95
latency of the following queries, documents read (the response's ``documents_read``) and the raw row count
of the range. Targets: p95 < 100 ms locally; a 365-day summary of one account reads at most 12 month
rollups + 62 days.

Run: ``python -m bench.dashboard`` (365 days of data) or ``--small`` (35 days, 30-day summaries only).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench.common import ROOT, emulator_env, load_average, percentile
from bench.ingest import DEFAULT_COMBOS, build_dataset, simulator

TENANT = "bench-enterprise"
ACCOUNT_ID = "acc_000000000dashb0"
GROUPS = ("model", "day", "api_key")
USER = "bench-owner"
MAX_DOCS_365 = 12 + 62


@dataclass(frozen=True)
class Case:
    label: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def cases(today: date, spans: list[int], plan_days: int) -> list[Case]:
    """The dashboard's ranges (ending today); for the largest span also the whole UTC months inside the plan
    window that end by today (``aligned``) and, when ending today is aligned already, the same span ending
    yesterday (``unaligned``: two partial months read day by day)."""
    out = [Case("today", today - timedelta(days=span - 1), today) for span in spans]
    span = max(spans)
    earliest = today - timedelta(days=plan_days)
    last = today if month_end(today) == today else today.replace(day=1) - timedelta(days=1)
    start = last.replace(day=1)
    while True:
        prev = (start - timedelta(days=1)).replace(day=1)
        if prev < earliest or (last - prev).days + 1 > span:
            break
        start = prev
    extras = [Case("aligned", start, last)]
    if out[-1].start.day == 1 and month_end(today) == today:
        extras.append(Case("unaligned", today - timedelta(days=span), today - timedelta(days=1)))
    for extra in extras:
        if extra.start >= earliest and all((c.start, c.end) != (extra.start, extra.end) for c in out):
            out.append(extra)
    return out


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
    """Rows of the raw usage days in the range (each stored hour carries its row count)."""
    from shared.adapters import paths

    refs = [paths.usage_day(db, TENANT, account_id, start + timedelta(days=i)) for i in range((end - start).days + 1)]
    total = 0
    for snap in db.get_all(refs, field_paths=["hours"]):
        if snap.exists:
            total += sum(int(h.get("n", 0)) for h in ((snap.to_dict() or {}).get("hours") or {}).values())
    return total


def start_api(project: str, tmp: Path) -> tuple[Any, str]:
    """The api function alone under functions-framework (as Cloud Run functions serves it)."""
    from local.procs import Proc, free_port, http_ok, wait_until

    port = free_port()
    env = {
        **os.environ,
        "GOOGLE_CLOUD_PROJECT": project,
        "TM_MODE": "local",
        "TM_LOCAL_DIR": str(tmp / "local"),
        "PYTHONPATH": str(ROOT),
    }
    proc = Proc(
        "function-api",
        [
            str(Path(sys.executable).parent / "functions-framework"),
            "--target=api",
            f"--source={ROOT / 'functions/api/main.py'}",
            "--signature-type=http",
            "--host=127.0.0.1",
            f"--port={port}",
        ],
        env=env,
        log_path=tmp / "function-api.log",
        cwd=ROOT,
    )
    try:
        wait_until(http_ok(f"http://127.0.0.1:{port}/"), 60, "function api", proc)
    except Exception:
        proc.stop()
        raise
    return proc, f"http://127.0.0.1:{port}"


@dataclass
class Result:
    path: str
    case: Case
    group: str
    first: float
    times: list[float]
    documents_read: int
    raw_rows: int
    rows: int


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365, help="days of history to build (default 365, enterprise)")
    parser.add_argument("--small", action="store_true", help="smoke run: 35 days, 30-day summaries, 10 repeats")
    parser.add_argument("--combos", type=int, default=DEFAULT_COMBOS, help="simulator combos_per_hour")
    parser.add_argument("--repeats", type=int, default=40, help="timed queries per summary")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP measurements")
    args = parser.parse_args(argv)
    if args.small:
        args.days, args.repeats = 35, 10

    from google.cloud import firestore

    from shared.adapters.firestore import FirestoreAccountStore, FirestoreLedgerStore
    from shared.adapters.firestore_billing import FirestoreTenantSettingsStore
    from shared.adapters.firestore_tenancy import FirestoreTenantStore
    from shared.bootstrap import GC_THRESHOLDS
    from shared.domain.tenancy import Member, Tenant
    from shared.security.auth import LocalTokenIssuer
    from shared.services.usage_query import UsageQuery, UsageQueryService

    project = "tm-bench-" + uuid.uuid4().hex[:8]
    tmp = Path(tempfile.mkdtemp(prefix="tm-bench-dash-"))
    now = datetime.now(UTC)
    today = now.date()
    plan_days = 365
    spans = [s for s in (30, 180, 365) if s <= args.days] or [args.days]
    results: list[Result] = []
    print(f"== dashboard: {args.days} days of one enterprise account, today {today} (load average {load_average()})")
    with emulator_env(tmp / "emulators"):
        sim = simulator(args.combos, now)
        base_url = sim.start()
        db = firestore.Client(project=project)
        tenants = FirestoreTenantStore(db)
        tenants.create_tenant(Tenant(id=TENANT, name="Bench Enterprise", plan="enterprise"), Member(USER, "owner"))
        try:
            started = time.perf_counter()
            data = build_dataset(
                db, project, base_url, sim, args.days, args.combos, now=now, tenant_id=TENANT, account_id=ACCOUNT_ID
            )
            built = time.perf_counter() - started
        finally:
            sim.stop()
        print(
            f"built:         {args.days} days in {built:.0f} s ({data.hours} account-hours, {data.rows} raw rows, "
            f"combos_per_hour={args.combos})",
            flush=True,
        )
        gc.set_threshold(*GC_THRESHOLDS)  # as every function's process sets it (bootstrap.start_process)
        service = UsageQueryService(
            FirestoreAccountStore(db),
            FirestoreLedgerStore(db),
            tenants,
            settings=FirestoreTenantSettingsStore(db),
        )
        all_cases = cases(today, spans, plan_days)
        raw = {c: raw_rows_in(db, data.account_id, c.start, c.end) for c in all_cases}
        for case in all_cases:
            for group in GROUPS:
                query = UsageQuery(start=case.start, end=case.end, group_by=(group,))
                first, times, body = measure(lambda q=query: service.query(TENANT, q), args.repeats)
                results.append(
                    Result("service", case, group, first, times, body["documents_read"], raw[case], len(body["rows"]))
                )
        if not args.no_http:
            proc, url = start_api(project, tmp)
            token = LocalTokenIssuer(tmp / "local", project).issue(TENANT, user_id=USER)
            client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
            try:
                for case in all_cases:
                    for group in GROUPS:
                        params = {"from": case.start.isoformat(), "to": case.end.isoformat(), "group_by": group}

                        def call(params: dict[str, str] = params) -> dict[str, Any]:
                            response = client.get("/v1/usage", params=params)
                            if response.status_code != 200:
                                raise RuntimeError(f"GET /v1/usage {params}: {response.status_code} {response.text}")
                            body: dict[str, Any] = response.json()
                            return body

                        first, times, body = measure(call, args.repeats)
                        results.append(
                            Result(
                                "http", case, group, first, times, body["documents_read"], raw[case], len(body["rows"])
                            )
                        )
            finally:
                client.close()
                proc.stop()
        db.close()
    report(results, args.repeats, today)
    return 0


def report(results: list[Result], repeats: int, today: date) -> None:
    print(f"{repeats} timed queries per summary after 3 untimed; latency in ms")
    print(
        f"{'path':8} {'range':9} {'from':>10} {'to':>10} {'days':>4} {'group_by':8} {'first':>7} {'p50':>6} {'p95':>6} "
        f"{'docs':>5} {'raw rows':>9} {'rows':>5}"
    )
    worst = 0.0
    docs_ok = True
    for r in results:
        p95 = percentile(r.times, 95)
        worst = max(worst, p95)
        if r.case.days >= 365:
            docs_ok = docs_ok and r.documents_read <= MAX_DOCS_365
        print(
            f"{r.path:8} {r.case.label:9} {r.case.start!s:>10} {r.case.end!s:>10} {r.case.days:>4} {r.group:8} "
            f"{r.first:7.1f} {statistics.median(r.times):6.1f} {p95:6.1f} {r.documents_read:>5} {r.raw_rows:>9} "
            f"{r.rows:>5}"
        )
    if month_end(today) == today:
        print(
            f"note:          today ({today}) is the last day of its month: the 'today' ranges of 30 and 365 days "
            "are whole UTC months as well; 'unaligned' shows the worst case"
        )
    print(
        f"targets:       worst p95 {worst:.1f} ms (< 100 ms: {'OK' if worst < 100 else 'MISSED'}); 365-day summaries "
        f"read <= {MAX_DOCS_365} documents: {'OK' if docs_ok else 'MISSED'}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
