// Explore: any range, grouped by any dimension the API has, over days, weeks or hours, filtered; a chart
// and under it the table (with its CSV), and token classes per model.
import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { PROVIDERS, type UsageRow } from "../api/client";
import { USAGE_FILTERS, useAccounts, useSettings, useTenant, useUsage, type UsageFilter, type UsageParams } from "../api/hooks";
import { DataTable } from "../components/DataTable";
import { Card, Page } from "../components/Layout";
import { Money } from "../components/Money";
import { RangePicker } from "../components/RangePicker";
import { StackedChart } from "../components/StackedChart";
import { ErrorBox, Loading } from "../components/Status";
import { combine } from "../lib/aggregate";
import { daysBetween, eachDay, hourLabel, shortDayLabel, todayIn } from "../lib/dates";
import { DIMENSIONS, type Dimension, type TimeGrain } from "../lib/dims";
import { pivot } from "../lib/pivot";
import { clampToPlan, isPreset, planEarliest, resolveRange } from "../lib/range";
import { usageColumns } from "../lib/usageColumns";

const FILTER_LABELS: Record<UsageFilter, string> = {
  provider: "Provider",
  model: "Model",
  api_key: "API key id",
  workspace: "Workspace id",
  service_tier: "Service tier",
};

export function ExplorePage() {
  const [params, setParams] = useSearchParams();
  const settings = useSettings();
  const tenant = useTenant();
  const accounts = useAccounts();
  const timeZone = settings.data?.time_zone ?? "UTC";
  const today = todayIn(timeZone);
  const drillDay = params.get("day");
  const preset = isPreset(params.get("range")) ? (params.get("range") as ReturnType<typeof resolveRange>["preset"]) : "30d";
  const range = drillDay
    ? { preset: "custom" as const, from: drillDay, to: drillDay }
    : clampToPlan(resolveRange(preset, today, { from: params.get("from"), to: params.get("to") }), planEarliest(tenant.data?.history_days));
  // Each dimension once (the API refuses a group named twice), in the order asked.
  const dims = [...new Set((params.get("by") ?? "model").split(","))].filter((d) => DIMENSIONS.some((x) => x.value === d)) as Dimension[];
  const grainParam = params.get("time");
  const time: TimeGrain | null = drillDay ? "hour" : grainParam === "none" ? null : ((grainParam as TimeGrain) ?? "day");
  const tooLongForHours = time === "hour" && daysBetween(range.from, range.to) + 1 > 31;
  const accountId = params.get("account_id") ?? "";
  const filters = Object.fromEntries(USAGE_FILTERS.map((f) => [f, params.getAll(f).filter(Boolean)]).filter(([, v]) => v.length)) as Partial<
    Record<UsageFilter, string[]>
  >;
  const [costPerClass, setCostPerClass] = useState(false);

  const query: UsageParams | null =
    settings.isSuccess && tenant.isSuccess && !tooLongForHours
      ? { from: range.from, to: range.to, group_by: [...dims, ...(time ? [time] : [])], account_id: accountId || undefined, filters }
      : null;
  const usage = useUsage(query);
  const byModel = useUsage(query ? { ...query, group_by: ["model"] } : null);

  function update(changes: Record<string, string | string[] | null>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      next.delete(k);
      if (Array.isArray(v)) v.forEach((x) => x && next.append(k, x));
      else if (v) next.set(k, v);
    }
    setParams(next, { replace: true });
  }

  function toggleDim(d: Dimension, on: boolean) {
    const next = on ? [...dims, d] : dims.filter((x) => x !== d);
    update({ by: next.join(",") || "model" });
  }

  const periods = useMemo(() => {
    if (!usage.data || !time) return [];
    if (time === "day") return eachDay(range.from, range.to).map((d) => ({ x: d, label: shortDayLabel(d) }));
    const values = [...new Set(usage.data.rows.map((r) => (time === "hour" ? r.hour : r.week) ?? ""))].sort();
    return values.map((v) => ({ x: v, label: time === "hour" ? hourLabel(v, timeZone) : `wk ${shortDayLabel(v)}` }));
  }, [usage.data, time, range.from, range.to, timeZone]);

  const chart = useMemo(() => {
    if (!usage.data || !time || !dims.length) return null;
    return pivot(usage.data.rows, dims[0], (r) => (time === "day" ? r.day : time === "hour" ? r.hour : r.week) ?? "", periods);
  }, [usage.data, time, dims, periods]);

  const columns = useMemo(() => {
    const cols = usageColumns(dims, time, { timeZone, costPerClass, rows: usage.data?.rows });
    if (time === "day") {
      const day = cols.find((c) => c.id === "day");
      if (day) day.render = (r) => (r.day ? <Link to={`?${drillLink(params, r.day)}`} aria-label={`Hourly drill-down for ${r.day}`}>{r.day}</Link> : "");
    }
    return cols;
  }, [dims, time, timeZone, costPerClass, params, usage.data]);

  return (
    <Page title="Explore" testId="explore">
      <Card>
        <div className="controls">
          {drillDay ? (
            <p>
              Hourly drill-down for <strong>{drillDay}</strong> ({timeZone}).{" "}
              <button type="button" className="secondary" onClick={() => update({ day: null })}>
                Back to the range
              </button>
            </p>
          ) : (
            <RangePicker
              range={range}
              maxDay={today}
              onPreset={(p) => update({ range: p, from: p === "custom" ? range.from : null, to: p === "custom" ? range.to : null })}
              onCustom={(from, to) => update({ range: "custom", from, to })}
            />
          )}
          <fieldset>
            <legend>Group by</legend>
            {DIMENSIONS.map((d) => (
              <label key={d.value} className="chip">
                <input type="checkbox" checked={dims.includes(d.value)} onChange={(e) => toggleDim(d.value, e.target.checked)} />
                {d.label}
              </label>
            ))}
          </fieldset>
          {!drillDay && (
            <label>
              Over time{" "}
              <select value={time ?? "none"} onChange={(e) => update({ time: e.target.value === "day" ? null : e.target.value })}>
                <option value="none">No (totals for the range)</option>
                <option value="day">By day</option>
                <option value="week">By week</option>
                <option value="hour">By hour (up to 31 days)</option>
              </select>
            </label>
          )}
          <details>
            <summary>Filters{accountId || Object.keys(filters).length ? " (on)" : ""}</summary>
            <div className="form-grid">
              <label htmlFor="f-account">Account</label>
              <select id="f-account" value={accountId} onChange={(e) => update({ account_id: e.target.value || null })}>
                <option value="">All accounts</option>
                {(accounts.data ?? []).map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
              <label htmlFor="f-provider">Provider</label>
              <select id="f-provider" value={filters.provider?.[0] ?? ""} onChange={(e) => update({ provider: e.target.value || null })}>
                <option value="">All providers</option>
                {PROVIDERS.map((p) => (
                  <option key={p.value} value={p.value}>
                    {p.label}
                  </option>
                ))}
              </select>
              {USAGE_FILTERS.filter((f) => f !== "provider").map((f) => (
                <FilterInput key={f} name={f} label={FILTER_LABELS[f]} value={filters[f]?.join(", ") ?? ""} onChange={(v) => update({ [f]: v })} />
              ))}
            </div>
          </details>
        </div>
      </Card>

      {tooLongForHours && <ErrorBox error={new Error("Hourly figures cover at most 31 days: shorten the range or choose By day.")} />}
      {usage.error && <ErrorBox error={usage.error} />}
      {usage.isLoading && <Loading what="usage" />}

      {usage.data && (
        <Card title={`${range.from} to ${range.to}`} testId="explore-result">
          <p className="total-line">
            Total <Money value={usage.data.totals.total_cost} testId="explore-total" />
            {usage.data.totals.unpriced && <span className="unpriced"> + {usage.data.totals.unpriced_tokens.toLocaleString("en")} unpriced tokens</span>}
            <span className="muted"> · days cut in {usage.data.time_zone}</span>
          </p>
          {chart && periods.length > 0 && (
            <StackedChart
              title={`Spend by ${dims[0].replace("_", " ")} per ${time}`}
              series={chart.series}
              points={chart.points}
              testId="explore-chart"
            />
          )}
          <label className="inline">
            <input type="checkbox" checked={costPerClass} onChange={(e) => setCostPerClass(e.target.checked)} /> Show cost per token class
          </label>
          <DataTable<UsageRow>
            caption={`Usage by ${[...dims, ...(time ? [time] : [])].join(", ")}`}
            columns={columns}
            rows={usage.data.rows}
            footer={[{ ...combine(usage.data.rows), model: dims.includes("model") ? "Total" : undefined } as UsageRow]}
            csvName={`usage-${range.from}-${range.to}-${[...dims, ...(time ? [time] : [])].join("-")}.csv`}
            testId="explore-table"
          />
        </Card>
      )}

      {byModel.data && (
        <Card title="Token classes per model" testId="token-classes">
          <DataTable<UsageRow>
            caption={`Tokens and cost per class and model, ${range.from} to ${range.to}`}
            columns={usageColumns(["model"], null, { costPerClass: true, rows: byModel.data.rows })}
            rows={byModel.data.rows}
            csvName={`token-classes-${range.from}-${range.to}.csv`}
          />
        </Card>
      )}
    </Page>
  );
}

function drillLink(params: URLSearchParams, day: string): string {
  const next = new URLSearchParams(params);
  next.set("day", day);
  return next.toString();
}

function FilterInput(props: { name: string; label: string; value: string; onChange: (v: string[]) => void }) {
  const [text, setText] = useState(props.value);
  const id = `f-${props.name}`;
  return (
    <>
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        value={text}
        placeholder="any (comma-separate several)"
        onChange={(e) => setText(e.target.value)}
        onBlur={() => props.onChange(text.split(",").map((s) => s.trim()).filter(Boolean))}
        onKeyDown={(e) => {
          if (e.key === "Enter") props.onChange(text.split(",").map((s) => s.trim()).filter(Boolean));
        }}
      />
    </>
  );
}
