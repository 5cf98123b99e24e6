// What-if: the same usage at another model's prices, as a band (low / expected / high).
import { useState } from "react";
import { useSearchParams } from "react-router";
import { useSettings, useTenant, useUsage, useWhatIf, useWhatIfSuggestions } from "../api/hooks";
import type { CostBand, WhatIfRow } from "../api/proposed";
import { DataTable } from "../components/DataTable";
import { Card, Page } from "../components/Layout";
import { Money } from "../components/Money";
import { RangePicker } from "../components/RangePicker";
import { ErrorBox, Loading, NotAvailable } from "../components/Status";
import { todayIn } from "../lib/dates";
import { clampToPlan, isPreset, planEarliest, resolveRange, type Preset } from "../lib/range";

function Band(props: { band: CostBand | null | undefined }) {
  if (!props.band) return <span className="unpriced">not comparable</span>;
  return (
    <span>
      <Money value={props.band.expected} /> <span className="muted">(<Money value={props.band.low} /> to <Money value={props.band.high} />)</span>
    </span>
  );
}

export function WhatIfPage() {
  const [params, setParams] = useSearchParams();
  const settings = useSettings();
  const tenant = useTenant();
  const today = todayIn(settings.data?.time_zone ?? "UTC");
  const preset: Preset = isPreset(params.get("range")) ? (params.get("range") as Preset) : "30d";
  const range = clampToPlan(resolveRange(preset, today, { from: params.get("from"), to: params.get("to") }), planEarliest(tenant.data?.history_days));
  const target = params.get("target");
  const [typed, setTyped] = useState(target ?? "");
  const suggestions = useWhatIfSuggestions(range.from, range.to);
  const models = useUsage(settings.isSuccess && tenant.isSuccess ? { from: range.from, to: range.to, group_by: ["model"] } : null);
  const whatif = useWhatIf(range.from, range.to, target);

  function update(changes: Record<string, string | null>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) (v ? next.set(k, v) : next.delete(k));
    setParams(next, { replace: true });
  }

  const unavailable = suggestions.data === null || whatif.data === null;
  return (
    <Page title="What-if" testId="whatif">
      {unavailable && <NotAvailable what="The what-if comparison" />}
      <Card>
        <RangePicker
          range={range}
          maxDay={today}
          onPreset={(p) => update({ range: p, from: p === "custom" ? range.from : null, to: p === "custom" ? range.to : null })}
          onCustom={(from, to) => update({ range: "custom", from, to })}
        />
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            update({ target: typed.trim() || null });
          }}
        >
          <label htmlFor="target-model">Target model</label>
          <input id="target-model" list="target-models" value={typed} onChange={(e) => setTyped(e.target.value)} required />
          <datalist id="target-models">
            {(suggestions.data?.suggestions ?? []).map((s) => (
              <option key={s.target_model} value={s.target_model}>
                {s.reason}
              </option>
            ))}
            {(models.data?.rows ?? []).map((r) => (
              <option key={r.model ?? ""} value={r.model ?? ""} />
            ))}
          </datalist>
          <button type="submit">Compare</button>
        </form>
        {suggestions.data && suggestions.data.suggestions.length > 0 && (
          <p className="hint">
            Suggested:{" "}
            {suggestions.data.suggestions.map((s) => (
              <button key={s.target_model} type="button" className="link" onClick={() => (setTyped(s.target_model), update({ target: s.target_model }))}>
                {s.target_model}
              </button>
            ))}
          </p>
        )}
      </Card>
      {whatif.isLoading && target && <Loading what="the comparison" />}
      {whatif.error && <ErrorBox error={whatif.error} />}
      {whatif.data && (
        <Card title={`Your usage at ${whatif.data.target_model} prices`} testId="whatif-result">
          <p className="total-line">
            Actual <Money value={whatif.data.totals.actual_cost} /> · at {whatif.data.target_model}: <Band band={whatif.data.totals.target_cost} />
          </p>
          <DataTable<WhatIfRow>
            caption="Per source model"
            csvName={`whatif-${whatif.data.target_model}-${range.from}-${range.to}.csv`}
            rows={whatif.data.rows}
            columns={[
              { id: "source_model", header: "Model used", value: (r) => r.source_model },
              { id: "tokens", header: "Tokens", kind: "number", value: (r) => (typeof r.tokens === "number" ? r.tokens : Object.values(r.tokens).reduce((a, b) => a + b, 0)) },
              { id: "actual_cost", header: "Actual", kind: "money", value: (r) => r.actual_cost },
              { id: "target_low", header: "Target low", kind: "money", value: (r) => r.target_cost?.low ?? null },
              { id: "target_expected", header: "Target expected", kind: "money", value: (r) => r.target_cost?.expected ?? null },
              { id: "target_high", header: "Target high", kind: "money", value: (r) => r.target_cost?.high ?? null },
              { id: "method", header: "Method", value: (r) => r.method },
            ]}
          />
          {whatif.data.not_comparable.length > 0 && (
            <>
              <h3>Not comparable</h3>
              <ul className="plain">
                {whatif.data.not_comparable.map((n) => (
                  <li key={n.model}>
                    <strong>{n.model}</strong>: {n.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Card>
      )}
    </Page>
  );
}
