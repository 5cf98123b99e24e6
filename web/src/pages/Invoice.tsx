// Invoice check: what the provider billed beside what TokenMeter computed, per UTC day, model and token
// type, with the known reason for every gap.
import { useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { PROVIDERS, type Provider, type Schemas } from "../api/client";
import { useReconciliation, useTenant } from "../api/hooks";
import { DataTable } from "../components/DataTable";
import { Card, Page } from "../components/Layout";
import { Money } from "../components/Money";
import { RangePicker } from "../components/RangePicker";
import { ErrorBox, Loading, Notice } from "../components/Status";
import { formatInstant, todayIn } from "../lib/dates";
import { formatSignedUsd } from "../lib/money";
import { clampToPlan, isPreset, planEarliest, resolveRange, type Preset } from "../lib/range";

type Row = Schemas["ReconciliationRow"];
const STATUS_LABEL: Record<Row["status"], string> = { matched: "Matched", explained: "Explained", unexplained: "Unexplained" };

export function InvoicePage() {
  const [params, setParams] = useSearchParams();
  const tenant = useTenant();
  const today = todayIn("UTC");
  const preset: Preset = isPreset(params.get("range")) ? (params.get("range") as Preset) : "mtd";
  const range = clampToPlan(resolveRange(preset, today, { from: params.get("from"), to: params.get("to") }), planEarliest(tenant.data?.history_days));
  const provider = PROVIDERS.find((p) => p.value === params.get("provider"))?.value;
  const recon = useReconciliation(range.from, range.to, undefined, provider);
  const [status, setStatus] = useState<"all" | Row["status"]>("all");
  const rows = useMemo(() => (recon.data?.rows ?? []).filter((r) => status === "all" || r.status === status), [recon.data, status]);

  function update(changes: Record<string, string | null>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) (v ? next.set(k, v) : next.delete(k));
    setParams(next, { replace: true });
  }

  const t = recon.data?.totals;
  const trust = recon.data?.trust;
  return (
    <Page title="Invoice check" testId="invoice">
      <Card>
        <p className="hint">
          Days here are UTC, as the provider's cost report cuts them. "Computed" is TokenMeter's price of the usage it
          collected; "billed" is the provider's own cost report.
        </p>
        <RangePicker
          range={range}
          maxDay={today}
          onPreset={(p) => update({ range: p, from: p === "custom" ? range.from : null, to: p === "custom" ? range.to : null })}
          onCustom={(from, to) => update({ range: "custom", from, to })}
        />
        <label className="inline">
          Provider{" "}
          <select value={provider ?? ""} onChange={(e) => update({ provider: (e.target.value as Provider) || null })}>
            <option value="">All providers</option>
            {PROVIDERS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
      </Card>
      {recon.isLoading && <Loading what="the reconciliation" />}
      {recon.error && <ErrorBox error={recon.error} />}
      {recon.data && t && trust && (
        <>
          <div className="kpis">
            <Card title="Billed" className="kpi">
              <p className="big">
                <Money value={t.billed} testId="billed-total" />
              </p>
            </Card>
            <Card title="Computed" className="kpi">
              <p className="big">
                <Money value={t.computed} testId="computed-total" />
              </p>
            </Card>
            <Card title="Difference" className="kpi">
              <p className="big" data-testid="difference-total" data-exact={t.difference}>
                {formatSignedUsd(t.difference)}
              </p>
              <p className="muted">{t.agree_to_the_cent ? "Agrees to the cent." : "Computed minus billed."}</p>
            </Card>
            <Card title="Bill matched" className="kpi">
              <p className="big" data-testid="invoice-matched">
                {trust.matched_percent.toFixed(1)}%
              </p>
              <p className="muted">
                settled days only: {trust.settled.matched_percent.toFixed(1)}% of <Money value={trust.settled.billed} />
              </p>
            </Card>
          </div>
          {trust.unexplained_lines > 0 && (
            <Notice kind="warn">
              {trust.unexplained_lines} lines (<Money value={trust.unexplained_billed} /> billed) differ with no known reason. That is a
              bug on our side: tell us.
            </Notice>
          )}
          <Card title="Per account">
            <ul className="plain">
              {trust.accounts.map((a) => (
                <li key={a.account_id}>
                  <strong>{a.account_name}</strong>: {a.matched_percent.toFixed(1)}% matched; cost report read through{" "}
                  {a.ledger_read_through ?? "not yet"}, last read {formatInstant(a.ledger_last_read_at)}
                  {a.ledger_last_error && <span className="warn-text"> · last error: {a.ledger_last_error}</span>}
                </li>
              ))}
            </ul>
          </Card>
          <Card title="Per day, model and token type">
            <label className="inline">
              Show{" "}
              <select value={status} onChange={(e) => setStatus(e.target.value as typeof status)}>
                <option value="all">all lines</option>
                <option value="unexplained">unexplained only</option>
                <option value="explained">explained only</option>
                <option value="matched">matched only</option>
              </select>
            </label>
            <DataTable<Row>
              caption={`Billed vs computed, ${range.from} to ${range.to} (UTC)`}
              csvName={`reconciliation-${range.from}-${range.to}.csv`}
              rows={rows}
              testId="reconciliation-table"
              columns={[
                { id: "day", header: "Day", value: (r) => r.day },
                { id: "account_id", header: "Account", value: (r) => r.account_id, hidden: true },
                { id: "model", header: "Model", value: (r) => r.model ?? "(workspace-level)" },
                { id: "token_type", header: "Token type", value: (r) => r.token_type },
                { id: "billed", header: "Billed", value: (r) => r.billed, kind: "money" },
                { id: "computed", header: "Computed", value: (r) => r.computed, kind: "money" },
                { id: "difference", header: "Difference", value: (r) => r.difference, kind: "money", render: (r) => formatSignedUsd(r.difference) },
                {
                  id: "status",
                  header: "Status",
                  value: (r) => r.status,
                  render: (r) => (
                    <span className={`pill pill-${r.status}`}>
                      {STATUS_LABEL[r.status]}
                      {r.provisional ? " (provisional)" : ""}
                    </span>
                  ),
                },
                { id: "reasons", header: "Why", value: (r) => r.reasons.map((x) => x.message).join(" ") },
              ]}
            />
          </Card>
        </>
      )}
    </Page>
  );
}
