// The page people open every morning: this month's spend against last month, the forecast and budgets,
// a stacked daily chart, top keys and workspaces, what is unpriced or provisional, and how far the
// numbers can be trusted (share of the bill matched, last sync, gaps).
import Big from "big.js";
import { useEffect, useMemo } from "react";
import { Link, useSearchParams } from "react-router";
import { type Budget, type UsageResponse, type UsageRow } from "../api/client";
import { useAccounts, useBudgets, useReconciliation, useSettings, useTenant, useUsage } from "../api/hooks";
import { DataTable } from "../components/DataTable";
import { Card, Page } from "../components/Layout";
import { Money } from "../components/Money";
import { StackedChart } from "../components/StackedChart";
import { ErrorBox, Loading, Notice } from "../components/Status";
import { combine, regroup } from "../lib/aggregate";
import {
  addDays,
  daysBetween,
  eachDay,
  formatInstant,
  isIsoMonth,
  maxDay,
  minDay,
  monthEnd,
  monthLabel,
  previousMonth,
  relative,
  shortDayLabel,
  todayIn,
} from "../lib/dates";
import { DIMENSIONS, groupKey, groupName, type Dimension } from "../lib/dims";
import { compare, formatUsd, percentChange, sum } from "../lib/money";
import { pivot } from "../lib/pivot";
import { planEarliest } from "../lib/range";
import { usageColumns } from "../lib/usageColumns";

const CHART_DIMS: Dimension[] = ["model", "provider", "api_key", "workspace"];

declare global {
  interface Window {
    __tmOverviewReady?: number;
  }
}

/** Now in the zone, as hours into the day (for the forecast's time left). */
function hoursIntoDay(timeZone: string): number {
  try {
    const parts = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date());
    const h = Number(parts.find((p) => p.type === "hour")?.value ?? 0);
    const m = Number(parts.find((p) => p.type === "minute")?.value ?? 0);
    return h + m / 60;
  } catch {
    return new Date().getUTCHours();
  }
}

export type Forecast = { amount: string; rate: string; days: number } | null;

/**
 * Month-to-date plus the mean of the last complete days (up to 7, at least 3 with history) times the time
 * left in the month: the rule the budget-forecast alerts use.
 */
export function forecastMonth(mtd: string, trailing: UsageRow[], today: string, end: string, firstDataDay: string | null, hoursIn: number): Forecast {
  if (!firstDataDay) return null;
  const days = eachDay(addDays(today, -7), addDays(today, -1)).filter((d) => d >= firstDataDay);
  if (days.length < 3) return null;
  const byDay = new Map(trailing.map((r) => [r.day, r.total_cost ?? "0"]));
  const rate = new Big(sum(days.map((d) => byDay.get(d) ?? "0"))).div(days.length);
  const left = new Big(daysBetween(today, end)).plus(new Big(24 - hoursIn).div(24));
  return { amount: new Big(mtd).plus(rate.times(left)).toFixed(), rate: rate.toFixed(), days: days.length };
}

function scopeSpend(b: Budget, rows: UsageRow[], total: string): string | null {
  if (b.scope === "tenant") return total;
  const match = (r: UsageRow) => {
    switch (b.scope) {
      case "account":
        return r.account_id === b.scope_id;
      case "workspace":
        return (r.workspace_id ?? "default") === b.scope_id;
      case "api_key":
        return (r.api_key_id ?? "console") === b.scope_id;
      case "model":
        return r.model === b.scope_id;
      default:
        return false;
    }
  };
  return sum(rows.filter(match).map((r) => r.total_cost));
}

function percentOf(spent: string, amount: string): number {
  const a = new Big(amount);
  return a.eq(0) ? 0 : Number(new Big(spent).times(100).div(a).round(1, 2).toFixed(1));
}

export function OverviewPage() {
  const [params, setParams] = useSearchParams();
  const settings = useSettings();
  const tenant = useTenant();
  const timeZone = settings.data?.time_zone ?? "UTC";
  const today = todayIn(timeZone);
  const month = isIsoMonth(params.get("month")) ? `${params.get("month")}-01` : `${today.slice(0, 7)}-01`;
  const end = monthEnd(month);
  const current = month <= today && today <= end;
  const to = current ? today : end;
  const earliest = planEarliest(tenant.data?.history_days);
  const dim = (CHART_DIMS.includes(params.get("by") as Dimension) ? params.get("by") : "model") as Dimension;
  const ready = settings.isSuccess && tenant.isSuccess;
  const future = month > today;

  // A month the plan keeps only in part starts at the plan's first day (the API refuses older days).
  const from = earliest ? maxDay(month, earliest) : month;
  const outsidePlan = from > to;
  const monthUsage = useUsage(ready && !future && !outsidePlan ? { from, to, group_by: [dim, "day"] } : null);
  const breakdown = useUsage(ready && !future && !outsidePlan ? { from, to, group_by: ["model", "api_key", "workspace", "account"] } : null);
  const lastStart = previousMonth(month);
  const lastFrom = earliest ? maxDay(lastStart, earliest) : lastStart;
  const lastEnd = monthEnd(lastStart);
  const lastMonth = useUsage(ready && lastFrom <= lastEnd ? { from: lastFrom, to: lastEnd } : null);
  const trailing = useUsage(ready && current ? { from: maxDay(addDays(today, -7), earliest ?? "0000-01-01"), to: addDays(today, -1), group_by: ["day"] } : null);
  const budgets = useBudgets();
  const accounts = useAccounts();
  const recon = useReconciliation(from, minDay(to, todayIn("UTC")));

  // The first screen is complete when each of its figures has its answer (or its error).
  const settled = (q: { isSuccess: boolean; isError: boolean }) => q.isSuccess || q.isError;
  const loaded =
    (outsidePlan || future || (settled(monthUsage) && settled(breakdown))) &&
    (lastFrom > lastEnd || settled(lastMonth)) &&
    settled(accounts) &&
    settled(recon);
  useEffect(() => {
    if (loaded && window.__tmOverviewReady === undefined) window.__tmOverviewReady = performance.now();
  }, [loaded]);

  const chart = useMemo(() => {
    if (!monthUsage.data) return null;
    const periods = eachDay(from, to).map((d) => ({ x: d, label: shortDayLabel(d) }));
    return pivot(monthUsage.data.rows, dim, (r) => r.day ?? "", periods);
  }, [monthUsage.data, dim, from, to]);

  const groups = useMemo(
    () =>
      monthUsage.data
        ? regroup(monthUsage.data.rows, (r) => groupKey(r, dim), (r) => pickDim(r, dim)).sort((a, b) => compare(b.total_cost ?? "0", a.total_cost ?? "0"))
        : [],
    [monthUsage.data, dim],
  );

  const firstDataDay = useMemo(() => {
    const starts = (accounts.data ?? []).map((a) => addDays(a.created_at.slice(0, 10), -a.history.days_due));
    return starts.length ? starts.sort()[0] : null;
  }, [accounts.data]);

  // The month's totals come from the breakdown, which does not depend on the chart's grouping.
  const totals = breakdown.data;
  const mtd = totals?.totals.total_cost ?? null;
  const forecast =
    current && mtd != null && trailing.data ? forecastMonth(mtd, trailing.data.rows, today, end, firstDataDay, hoursIntoDay(timeZone)) : null;

  function setParam(k: string, v: string | null) {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  }

  const prevMonth = previousMonth(month).slice(0, 7);
  const nextMonth = addDays(end, 1).slice(0, 7);

  return (
    <Page
      title={`Overview: ${monthLabel(month)}`}
      testId="overview"
      actions={
        <div className="month-nav">
          <Link to={`?month=${prevMonth}&by=${dim}`}>← {monthLabel(`${prevMonth}-01`)}</Link>
          {!current && <Link to={`?by=${dim}`}>This month</Link>}
          {nextMonth <= today.slice(0, 7) && <Link to={`?month=${nextMonth}&by=${dim}`}>{monthLabel(`${nextMonth}-01`)} →</Link>}
        </div>
      }
    >
      <div data-ready={loaded ? "true" : "false"} data-testid="overview-state" hidden />
      {(settings.error || tenant.error) && <ErrorBox error={settings.error ?? tenant.error} />}
      {future && <Notice>This month has not started yet.</Notice>}
      {outsidePlan && <Notice kind="warn">This month is older than the history your plan keeps.</Notice>}
      {breakdown.error && <ErrorBox error={breakdown.error} title="Spend could not be loaded" />}
      {accounts.error && <ErrorBox error={accounts.error} title="The accounts could not be loaded" />}
      {accounts.data && accounts.data.length === 0 && (
        <Notice kind="warn" testId="no-accounts">
          No provider account is connected yet. <Link to="/settings/connections">Connect one</Link> to see its spend.
        </Notice>
      )}

      <div className="kpis">
        <Card title={current ? "Spend this month" : `Spend in ${monthLabel(month)}`} className="kpi">
          {totals ? (
            <>
              <p className="big">
                <Money value={totals.totals.total_cost} testId="month-total" />
              </p>
              <p className="muted">
                {from} to {to}, {totals.time_zone}
                {from !== month && " (your plan's history window)"}
                {(totals.rate_cards_applied?.length ?? 0) > 0 && (
                  <>
                    ; after rate cards <Money value={totals.totals.effective_cost} testId="month-effective" />
                  </>
                )}
              </p>
            </>
          ) : (
            <Loading />
          )}
        </Card>
        <Card title={`${monthLabel(lastStart)}`} className="kpi">
          {lastFrom > lastEnd ? (
            <p className="muted">Before the history your plan keeps.</p>
          ) : lastMonth.data ? (
            <>
              <p className="big">
                <Money value={lastMonth.data.totals.total_cost} testId="last-month-total" />
              </p>
              {lastFrom !== lastStart && <p className="muted">from {lastFrom} (your plan's history window)</p>}
              {/* Against a month the plan only partly keeps, a change would mislead. */}
              {mtd != null && lastMonth.data.totals.total_cost != null && lastFrom === lastStart && (
                <Change now={mtd} before={lastMonth.data.totals.total_cost} current={current} />
              )}
            </>
          ) : lastMonth.error ? (
            <ErrorBox error={lastMonth.error} />
          ) : (
            <Loading />
          )}
        </Card>
        {current && (
          <Card title="Forecast for the month" className="kpi">
            {forecast ? (
              <>
                <p className="big">
                  <Money value={forecast.amount} testId="forecast" />
                </p>
                <p className="muted">
                  month to date + {formatUsd(forecast.rate)}/day (mean of the last {forecast.days} complete days) × days left
                </p>
              </>
            ) : trailing.isLoading || breakdown.isLoading ? (
              <Loading />
            ) : (
              <p className="muted">Not enough history yet (3 complete days are needed).</p>
            )}
          </Card>
        )}
      </div>

      {totals && <UnpricedAndProvisional usage={totals} />}

      {budgets.data && budgets.data.length > 0 && breakdown.data && (
        <Card title="Budgets" testId="budgets-card">
          <ul className="budget-list">
            {budgets.data
              .filter((b) => b.enabled)
              .map((b) => {
                const spent =
                  b.period === "month"
                    ? scopeSpend(b, breakdown.data.rows, breakdown.data.totals.total_cost ?? "0")
                    : b.scope === "tenant" && current && monthUsage.data
                      ? sum(monthUsage.data.rows.filter((r) => r.day === today).map((r) => r.total_cost))
                      : null;
                const pct = spent != null ? percentOf(spent, b.amount_usd) : null;
                const projected = b.period === "month" && b.scope === "tenant" && forecast ? forecast.amount : null;
                return (
                  <li key={b.id}>
                    <div className="budget-head">
                      <strong>{b.name}</strong>{" "}
                      <span className="muted">
                        {b.period === "month" ? "monthly" : "daily"}, {b.scope}
                        {b.scope_id ? ` ${b.scope_id}` : ""}
                      </span>
                    </div>
                    {spent != null ? (
                      <>
                        <progress max={100} value={Math.min(pct ?? 0, 100)} aria-label={`${b.name}: ${pct}% used`} />
                        <span>
                          <Money value={spent} /> of <Money value={b.amount_usd} /> ({pct}%)
                          {projected && compare(projected, b.amount_usd) > 0 && (
                            <span className="warn-text"> · on course for {formatUsd(projected)}</span>
                          )}
                        </span>
                      </>
                    ) : (
                      <span className="muted">
                        see <Link to="/budgets">Budgets</Link>
                      </span>
                    )}
                  </li>
                );
              })}
          </ul>
        </Card>
      )}

      <Card title="Daily spend" testId="daily-chart">
        <label className="inline">
          Stack by{" "}
          <select value={dim} onChange={(e) => setParam("by", e.target.value === "model" ? null : e.target.value)}>
            {CHART_DIMS.map((d) => (
              <option key={d} value={d}>
                {DIMENSIONS.find((x) => x.value === d)?.label}
              </option>
            ))}
          </select>
        </label>
        {monthUsage.isLoading && <Loading what="the chart" />}
        {monthUsage.error && <ErrorBox error={monthUsage.error} title="The chart could not be loaded" />}
        {chart && <StackedChart title={`Daily spend by ${dim.replace("_", " ")}, ${monthLabel(month)}`} series={chart.series} points={chart.points} testId="stacked-chart" />}
        {monthUsage.data && (
          <DataTable
            caption={`Spend by ${dim.replace("_", " ")}, ${from} to ${to}`}
            columns={usageColumns([dim], null, { costPerClass: false, rows: monthUsage.data.rows })}
            rows={groups}
            rowKey={(r) => groupKey(r, dim)}
            footer={[{ ...combine(monthUsage.data.rows), [dim === "api_key" ? "api_key_name" : dim === "workspace" ? "workspace_name" : dim]: "Total" } as UsageRow]}
            csvName={`spend-by-${dim}-${month}-${to}.csv`}
            testId="overview-table"
          />
        )}
      </Card>

      {breakdown.data && (
        <div className="two-col">
          <TopList title="Top API keys" rows={breakdown.data.rows} dim="api_key" testId="top-keys" />
          <TopList title="Top workspaces" rows={breakdown.data.rows} dim="workspace" testId="top-workspaces" />
        </div>
      )}

      <TrustPanel usage={totals} recon={recon} accounts={accounts.data} timeZone={timeZone} />
    </Page>
  );
}

function pickDim(r: UsageRow, d: Dimension): Partial<UsageRow> {
  switch (d) {
    case "api_key":
      return { api_key_id: r.api_key_id, api_key_name: r.api_key_name, account_id: r.account_id };
    case "workspace":
      return { workspace_id: r.workspace_id, workspace_name: r.workspace_name, account_id: r.account_id };
    case "account":
      return { account_id: r.account_id, account_name: r.account_name };
    case "provider":
      return { provider: r.provider };
    default:
      return { [d]: r[d as keyof UsageRow] } as Partial<UsageRow>;
  }
}

function Change(props: { now: string; before: string; current: boolean }) {
  const pct = percentChange(props.now, props.before);
  if (pct === null) return null;
  const up = !pct.startsWith("-");
  return (
    <p className={up ? "change up" : "change down"}>
      {props.current ? "Month to date is " : "The month was "}
      {up ? `${pct}% above` : `${pct.slice(1)}% below`} last month's total.
    </p>
  );
}

function TopList(props: { title: string; rows: UsageRow[]; dim: Dimension; testId: string }) {
  const groups = regroup(props.rows, (r) => groupKey(r, props.dim), (r) => pickDim(r, props.dim))
    .sort((a, b) => compare(b.total_cost ?? "0", a.total_cost ?? "0"))
    .slice(0, 5);
  return (
    <Card title={props.title} testId={props.testId}>
      {groups.length ? (
        <ol className="top-list">
          {groups.map((g) => (
            <li key={g.key}>
              <span>{groupName(g, props.dim)}</span> <Money value={g.total_cost} />
            </li>
          ))}
        </ol>
      ) : (
        <p className="muted">Nothing this month.</p>
      )}
    </Card>
  );
}

function UnpricedAndProvisional(props: { usage: UsageResponse }) {
  const t = props.usage.totals;
  const p = props.usage.provisional;
  if (!t.unpriced_tokens && !p.tokens) return null;
  return (
    <div className="notices">
      {t.unpriced_tokens > 0 && (
        <Notice kind="warn" testId="unpriced-notice">
          <strong>Unpriced:</strong> {t.unpriced_tokens.toLocaleString("en")} tokens of {t.unpriced_models.join(", ")} have no
          known price yet. They are not in the totals (not counted as $0): a new model waits for the price catalogue; a tier with no public price (priority, scale) stays unpriced, and the invoice check shows what was billed for it.
        </Notice>
      )}
      {p.tokens > 0 && (
        <Notice testId="provisional-notice">
          <strong>Provisional:</strong> <Money value={p.cost} /> of this ({p.tokens.toLocaleString("en")} tokens) is from hours
          since {formatInstant(p.since, props.usage.time_zone)}: the provider may still restate them.
        </Notice>
      )}
    </div>
  );
}

function TrustPanel(props: {
  usage: UsageResponse | undefined;
  recon: ReturnType<typeof useReconciliation>;
  accounts: ReturnType<typeof useAccounts>["data"];
  timeZone: string;
}) {
  const trust = props.recon.data?.trust;
  const lastSync = (props.accounts ?? [])
    .map((a) => a.last_success_at)
    .filter((x): x is string => !!x)
    .sort()
    .at(-1);
  const coverage = props.usage?.coverage;
  return (
    <Card title="Can I trust these numbers?" testId="trust-panel">
      <dl className="facts">
        <div>
          <dt>Share of the bill matched</dt>
          <dd data-testid="matched-percent">
            {trust ? (
              new Big(trust.billed).eq(0) ? (
                <span className="muted">no billed cost read yet</span>
              ) : (
                <>
                  {trust.matched_percent.toFixed(1)}% (<Money value={trust.matched_billed} /> of <Money value={trust.billed} /> billed)
                </>
              )
            ) : props.recon.isLoading ? (
              "…"
            ) : (
              "unknown"
            )}
          </dd>
        </div>
        {trust && new Big(trust.unexplained_billed).gt(0) && (
          <div>
            <dt>Unexplained</dt>
            <dd className="warn-text">
              <Money value={trust.unexplained_billed} /> on {trust.unexplained_lines} lines: <Link to="/invoice">see the invoice check</Link>
            </dd>
          </div>
        )}
        <div>
          <dt>Last sync</dt>
          <dd data-testid="last-sync">
            {lastSync ? `${formatInstant(lastSync, props.timeZone)} (${relative(lastSync)})` : "not yet"}
          </dd>
        </div>
        <div>
          <dt>Gaps</dt>
          <dd data-testid="gaps">
            {coverage ? (
              coverage.complete ? (
                "none: every day in range is collected"
              ) : (
                <span className="warn-text">missing {coverage.missing_days.join(", ")}</span>
              )
            ) : (
              <span className="muted">gap detection is not available from this API version yet</span>
            )}
          </dd>
        </div>
        {(props.accounts ?? [])
          .filter((a) => a.status === "error" || a.rotation_due)
          .map((a) => (
            <div key={a.id}>
              <dt>{a.name}</dt>
              <dd className="warn-text">
                {a.status === "error" ? `not syncing: ${a.status_reason ?? "error"}` : "key rotation due"} ·{" "}
                <Link to="/settings/connections">fix it</Link>
              </dd>
            </div>
          ))}
      </dl>
      {props.recon.error && <ErrorBox error={props.recon.error} title="The invoice comparison could not be loaded" />}
    </Card>
  );
}

