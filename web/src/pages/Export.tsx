// Export: the server's CSV of usage (one row per group and day, exact decimals) and the same data in the
// FinOps Foundation's FOCUS format, for the range, grouping and filters chosen here.
import { useState } from "react";
import { useSearchParams } from "react-router";
import { fetchWithAuth, toApiError } from "../api/client";
import { PROVIDERS, type Provider } from "../api/client";
import { useAccounts, usageQuery, useSettings, useTenant } from "../api/hooks";
import { Card, Page } from "../components/Layout";
import { RangePicker } from "../components/RangePicker";
import { ErrorBox, Notice } from "../components/Status";
import { downloadBlob } from "../lib/csv";
import { todayIn } from "../lib/dates";
import { DIMENSIONS, type Dimension } from "../lib/dims";
import { clampToPlan, isPreset, planEarliest, resolveRange, type Preset } from "../lib/range";
import { useApp } from "../state";

const EXPORTS = [
  { path: "/v1/usage/export.csv", label: "Usage CSV", file: "usage" },
  { path: "/v1/usage/export.focus.csv", label: "FOCUS CSV", file: "usage-focus" },
] as const;

export function ExportPage() {
  const { config, credentials } = useApp();
  const [params, setParams] = useSearchParams();
  const settings = useSettings();
  const tenant = useTenant();
  const accounts = useAccounts();
  const today = todayIn(settings.data?.time_zone ?? "UTC");
  const preset: Preset = isPreset(params.get("range")) ? (params.get("range") as Preset) : "last_month";
  const range = clampToPlan(resolveRange(preset, today, { from: params.get("from"), to: params.get("to") }), planEarliest(tenant.data?.history_days));
  const [dims, setDims] = useState<Dimension[]>(["model"]);
  const [accountId, setAccountId] = useState("");
  const [provider, setProvider] = useState<Provider | "">("");
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  function update(changes: Record<string, string | null>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) (v ? next.set(k, v) : next.delete(k));
    setParams(next, { replace: true });
  }

  async function download(e: (typeof EXPORTS)[number]) {
    setBusy(e.path);
    setError(null);
    setDone(null);
    try {
      const query = usageQuery({
        from: range.from,
        to: range.to,
        group_by: dims,
        account_id: accountId || undefined,
        filters: provider ? { provider: [provider] } : undefined,
      });
      const response = await fetchWithAuth(config.api_base_url, credentials, e.path, query);
      if (!response.ok) {
        setError(toApiError(response.status, await response.json().catch(() => undefined)));
        return;
      }
      const name = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? `${e.file}-${range.from}-${range.to}.csv`;
      downloadBlob(await response.blob(), name);
      setDone(name);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  }

  return (
    <Page title="Export" testId="export">
      <Card title="From the server">
        <p className="hint">
          One row per group and day, tokens per class and costs as exact decimals (USD), streamed by the API: the same filters as the
          usage views. FOCUS is the FinOps Foundation's open billing format, for FinOps tools.
        </p>
        <RangePicker
          range={range}
          maxDay={today}
          onPreset={(p) => update({ range: p, from: p === "custom" ? range.from : null, to: p === "custom" ? range.to : null })}
          onCustom={(from, to) => update({ range: "custom", from, to })}
        />
        <fieldset>
          <legend>Group by (each row is also per day)</legend>
          {DIMENSIONS.map((d) => (
            <label key={d.value} className="chip">
              <input type="checkbox" checked={dims.includes(d.value)} onChange={(e) => setDims(e.target.checked ? [...dims, d.value] : dims.filter((x) => x !== d.value))} />
              {d.label}
            </label>
          ))}
        </fieldset>
        <div className="inline-form">
          <label htmlFor="export-account">Account</label>
          <select id="export-account" value={accountId} onChange={(e) => setAccountId(e.target.value)}>
            <option value="">All accounts</option>
            {(accounts.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <label htmlFor="export-provider">Provider</label>
          <select id="export-provider" value={provider} onChange={(e) => setProvider(e.target.value as Provider | "")}>
            <option value="">All providers</option>
            {PROVIDERS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        <div className="actions">
          {EXPORTS.map((e) => (
            <button key={e.path} type="button" onClick={() => download(e)} disabled={busy !== null}>
              {busy === e.path ? "Preparing…" : `Download ${e.label}`}
            </button>
          ))}
        </div>
        {error != null && <ErrorBox error={error} />}
        {done && <Notice kind="ok">Downloaded {done}.</Notice>}
      </Card>
      <Card title="Any table">
        <p>Every table in TokenMeter has a <strong>Download CSV</strong> button: the rows and columns you see, with amounts as exact decimals.</p>
      </Card>
    </Page>
  );
}
