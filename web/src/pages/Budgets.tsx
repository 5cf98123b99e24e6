// Budgets and alerts: budgets with thresholds and a forecast alert, where alerts go (signed webhooks,
// email), a test alert, and the history of alerts with each delivery's outcome.
import { useState, type FormEvent } from "react";
import {
  PROVIDERS,
  unwrap,
  type AlertKind,
  type AlertOut,
  type Budget,
  type BudgetIn,
  type BudgetScope,
  type Channel,
  type ChannelIn,
} from "../api/client";
import { useAccounts, useAlerts, useApiMutation, useBudgets, useChannels, useSettings } from "../api/hooks";
import { DataTable } from "../components/DataTable";
import { Card, Page } from "../components/Layout";
import { Money } from "../components/Money";
import { Empty, ErrorBox, Loading, Notice } from "../components/Status";
import { formatInstant } from "../lib/dates";
import { useAccess, useApp } from "../state";

// Records over the API's own unions: a scope or alert kind added to the API fails the build until it has a label.
const SCOPES: Record<BudgetScope, string> = {
  tenant: "The whole organization",
  provider: "A provider",
  account: "An account",
  workspace: "A workspace (id, or default)",
  api_key: "An API key (id, or console)",
  model: "A model",
};

const KINDS: Record<AlertKind, string> = {
  budget: "Budget",
  budget_forecast: "Budget forecast",
  spike: "Spend spike",
  connection: "Connection",
  stale_data: "Stale data",
  rotation_due: "Key rotation due",
  unpriced_model: "Unpriced model",
  advice: "Savings advice",
};
const ALL_KINDS = Object.keys(KINDS) as AlertKind[];

function scopeText(b: Budget): string {
  if (b.scope === "tenant") return "the whole organization";
  if (b.scope === "provider") return PROVIDERS.find((p) => p.value === b.scope_id)?.label ?? b.scope_id ?? "";
  return `${b.scope.replace("_", " ")} ${b.scope_id ?? ""}`;
}

function BudgetForm(props: { channels: Channel[] }) {
  const { api } = useApp();
  const accounts = useAccounts();
  const [name, setName] = useState("");
  const [amount, setAmount] = useState("");
  const [period, setPeriod] = useState<"month" | "day">("month");
  const [scope, setScope] = useState<BudgetScope>("tenant");
  const [scopeId, setScopeId] = useState("");
  const [thresholds, setThresholds] = useState("50, 80, 100");
  const [forecast, setForecast] = useState(true);
  const [channelIds, setChannelIds] = useState<string[]>([]);
  const create = useApiMutation(async (b: BudgetIn) => unwrap(await api.POST("/v1/budgets", { body: b })), ["budgets"]);

  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate(
      {
        name: name.trim(),
        amount_usd: amount.trim(),
        period,
        scope,
        scope_id: scope === "tenant" ? null : scopeId.trim(),
        thresholds: thresholds.split(",").map((t) => Number(t.trim())).filter((n) => Number.isInteger(n) && n > 0),
        forecast,
        channel_ids: channelIds,
        enabled: true,
      },
      { onSuccess: () => (setName(""), setAmount("")) },
    );
  }

  return (
    <form onSubmit={submit} className="form-grid" aria-label="New budget">
      <label htmlFor="b-name">Name</label>
      <input id="b-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} />
      <label htmlFor="b-amount">Amount (USD)</label>
      <input id="b-amount" value={amount} onChange={(e) => setAmount(e.target.value)} required inputMode="decimal" pattern="\d{1,10}(\.\d{1,6})?" placeholder="500" />
      <label htmlFor="b-period">Period</label>
      <select id="b-period" value={period} onChange={(e) => setPeriod(e.target.value as "month" | "day")}>
        <option value="month">Calendar month</option>
        <option value="day">Day</option>
      </select>
      <label htmlFor="b-scope">Applies to</label>
      <select
        id="b-scope"
        value={scope}
        onChange={(e) => {
          setScope(e.target.value as BudgetScope);
          setScopeId("");
        }}
      >
        {Object.entries(SCOPES).map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      {scope !== "tenant" && (
        <>
          <label htmlFor="b-scope-id">{scope === "account" ? "Account" : scope === "provider" ? "Provider" : scope === "model" ? "Model id" : "Id"}</label>
          {scope === "provider" ? (
            <select id="b-scope-id" value={scopeId} onChange={(e) => setScopeId(e.target.value)} required>
              <option value="">Choose…</option>
              {PROVIDERS.map((p) => (
                <option key={p.value} value={p.value}>
                  {p.label}
                </option>
              ))}
            </select>
          ) : scope === "account" ? (
            <select id="b-scope-id" value={scopeId} onChange={(e) => setScopeId(e.target.value)} required>
              <option value="">Choose…</option>
              {(accounts.data ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          ) : (
            <input id="b-scope-id" value={scopeId} onChange={(e) => setScopeId(e.target.value)} required maxLength={200} />
          )}
        </>
      )}
      <label htmlFor="b-thresholds">Alert at (% of the amount)</label>
      <input id="b-thresholds" value={thresholds} onChange={(e) => setThresholds(e.target.value)} pattern="\s*\d+(\s*,\s*\d+)*\s*" />
      <span />
      <label className="inline">
        <input type="checkbox" checked={forecast} onChange={(e) => setForecast(e.target.checked)} disabled={period !== "month"} /> Also alert
        when the month's forecast passes the amount
      </label>
      {props.channels.length > 0 && (
        <fieldset className="span-2">
          <legend>Send to (none ticked: every channel taking budget alerts)</legend>
          {props.channels.map((c) => (
            <label key={c.id} className="chip">
              <input
                type="checkbox"
                checked={channelIds.includes(c.id)}
                onChange={(e) => setChannelIds(e.target.checked ? [...channelIds, c.id] : channelIds.filter((x) => x !== c.id))}
              />
              {c.name}
            </label>
          ))}
        </fieldset>
      )}
      <button type="submit" className="span-2" disabled={create.isPending}>
        Create budget
      </button>
      {create.error && (
        <div className="span-2">
          <ErrorBox error={create.error} title="Not created" />
        </div>
      )}
    </form>
  );
}

function ChannelForm() {
  const { api } = useApp();
  const [name, setName] = useState("");
  const [type, setType] = useState<"webhook" | "email">("webhook");
  const [url, setUrl] = useState("");
  const [format, setFormat] = useState<"json" | "slack">("json");
  const [emails, setEmails] = useState("");
  const [kinds, setKinds] = useState<AlertKind[]>(ALL_KINDS);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useApiMutation(async (c: ChannelIn) => unwrap(await api.POST("/v1/alert-channels", { body: c })), ["channels"]);

  function submit(e: FormEvent) {
    e.preventDefault();
    setSecret(null);
    const body: ChannelIn =
      type === "webhook"
        ? { name: name.trim(), type, url: url.trim(), format, kinds }
        : { name: name.trim(), type, emails: emails.split(",").map((x) => x.trim()).filter(Boolean), kinds };
    create.mutate(body, { onSuccess: (c) => (setSecret(c.secret ?? null), setName(""), setUrl(""), setEmails("")) });
  }

  return (
    <>
      <form onSubmit={submit} className="form-grid" aria-label="New alert channel">
        <label htmlFor="c-name">Name</label>
        <input id="c-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} />
        <label htmlFor="c-type">Type</label>
        <select id="c-type" value={type} onChange={(e) => setType(e.target.value as "webhook" | "email")}>
          <option value="webhook">Signed webhook</option>
          <option value="email">Email</option>
        </select>
        {type === "webhook" ? (
          <>
            <label htmlFor="c-url">URL (https)</label>
            <input id="c-url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} required />
            <label htmlFor="c-format">Body</label>
            <select id="c-format" value={format} onChange={(e) => setFormat(e.target.value as "json" | "slack")}>
              <option value="json">TokenMeter JSON</option>
              <option value="slack">Slack message</option>
            </select>
          </>
        ) : (
          <>
            <label htmlFor="c-emails">Recipients (comma-separated)</label>
            <input id="c-emails" value={emails} onChange={(e) => setEmails(e.target.value)} required />
          </>
        )}
        <fieldset className="span-2">
          <legend>Alert kinds</legend>
          {ALL_KINDS.map((k) => (
            <label key={k} className="chip">
              <input type="checkbox" checked={kinds.includes(k)} onChange={(e) => setKinds(e.target.checked ? [...kinds, k] : kinds.filter((x) => x !== k))} />
              {KINDS[k]}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="span-2" disabled={create.isPending || !kinds.length}>
          Add channel
        </button>
      </form>
      {create.error && <ErrorBox error={create.error} title="Not added" />}
      {secret && (
        <Notice kind="ok" testId="channel-secret">
          Signing secret (shown this once; keep it where your receiver verifies signatures): <code>{secret}</code>
        </Notice>
      )}
    </>
  );
}

function ChannelRow(props: { channel: Channel; canWrite: boolean }) {
  const c = props.channel;
  const { api } = useApp();
  const test = useApiMutation(async () => unwrap(await api.POST("/v1/alert-channels/{id}/test", { params: { path: { id: c.id } } })), ["alerts"]);
  const remove = useApiMutation(async () => unwrap(await api.DELETE("/v1/alert-channels/{id}", { params: { path: { id: c.id } } })), ["channels"]);
  return (
    <li data-testid="channel">
      <strong>{c.name}</strong>{" "}
      <span className="muted">
        {c.type === "webhook" ? `${c.format} webhook to ${c.url_hint ?? "(hidden)"}` : `email to ${c.emails.join(", ")}`} · secret {c.secret_hint} ·{" "}
        {c.kinds.length === ALL_KINDS.length ? "every kind" : c.kinds.map((k) => KINDS[k as AlertKind] ?? k).join(", ")}
        {c.enabled ? "" : " · disabled"}
      </span>
      {props.canWrite && (
        <span className="actions">
          <button type="button" className="secondary" onClick={() => test.mutate(undefined)} disabled={test.isPending}>
            Send a test alert
          </button>
          <button type="button" className="danger" onClick={() => confirm(`Delete the channel ${c.name}?`) && remove.mutate(undefined)}>
            Delete
          </button>
        </span>
      )}
      {test.data && (
        <p role="status" data-testid="test-result" className={test.data.delivered ? "ok-text" : "warn-text"}>
          {test.data.delivered ? "Test alert delivered." : `Test alert not delivered: ${test.data.error}`}
        </p>
      )}
      {(test.error || remove.error) && <ErrorBox error={test.error ?? remove.error} />}
    </li>
  );
}

function BudgetRow(props: { budget: Budget; canWrite: boolean; channels: Channel[] }) {
  const b = props.budget;
  const { api } = useApp();
  const toggle = useApiMutation(
    async (enabled: boolean) => unwrap(await api.PATCH("/v1/budgets/{id}", { params: { path: { id: b.id } }, body: { enabled } })),
    ["budgets"],
  );
  const remove = useApiMutation(async () => unwrap(await api.DELETE("/v1/budgets/{id}", { params: { path: { id: b.id } } })), ["budgets"]);
  const names = b.channel_ids.map((id) => props.channels.find((c) => c.id === id)?.name ?? id);
  return (
    <li data-testid="budget">
      <strong>{b.name}</strong>: <Money value={b.amount_usd} /> per {b.period} for {scopeText(b)}; alerts at {b.thresholds.join("%, ")}%{b.forecast && b.period === "month" ? " and on forecast" : ""}
      {names.length ? `, to ${names.join(", ")}` : ""}
      {!b.enabled && <span className="muted"> (paused)</span>}
      {props.canWrite && (
        <span className="actions">
          <button type="button" className="secondary" onClick={() => toggle.mutate(!b.enabled)}>
            {b.enabled ? "Pause" : "Resume"}
          </button>
          <button type="button" className="danger" onClick={() => confirm(`Delete the budget ${b.name}?`) && remove.mutate(undefined)}>
            Delete
          </button>
        </span>
      )}
      {(toggle.error || remove.error) && <ErrorBox error={toggle.error ?? remove.error} />}
    </li>
  );
}

export function BudgetsPage() {
  const access = useAccess();
  const budgets = useBudgets();
  const channels = useChannels();
  const alerts = useAlerts();
  const settings = useSettings();
  const tz = settings.data?.time_zone ?? "UTC";
  return (
    <Page title="Budgets & alerts" testId="budgets">
      <Card title="Budgets">
        {budgets.isLoading && <Loading />}
        {budgets.error && <ErrorBox error={budgets.error} />}
        {budgets.data && !budgets.data.length && <Empty>No budget yet.</Empty>}
        <ul className="plain">
          {budgets.data?.map((b) => <BudgetRow key={b.id} budget={b} canWrite={access.canWrite} channels={channels.data ?? []} />)}
        </ul>
        {access.canWrite && (
          <details className="subcard">
            <summary>New budget</summary>
            <BudgetForm channels={channels.data ?? []} />
          </details>
        )}
      </Card>
      <Card title="Alert channels">
        {channels.error && <ErrorBox error={channels.error} />}
        {channels.data && !channels.data.length && <Empty>No channel yet: alerts are kept in the history below only.</Empty>}
        <ul className="plain">{channels.data?.map((c) => <ChannelRow key={c.id} channel={c} canWrite={access.canWrite} />)}</ul>
        {access.canWrite && (
          <details className="subcard">
            <summary>New channel</summary>
            <ChannelForm />
          </details>
        )}
      </Card>
      <Card title="Alert history">
        {alerts.error && <ErrorBox error={alerts.error} />}
        {alerts.data && (
          <DataTable<AlertOut>
            caption="Alerts, newest first, with each delivery's outcome"
            csvName="alerts.csv"
            rows={alerts.data}
            testId="alert-history"
            emptyText="No alert yet."
            columns={[
              { id: "created_at", header: "When", value: (a) => a.created_at, render: (a) => formatInstant(a.created_at, tz) },
              { id: "severity", header: "Severity", value: (a) => a.severity, render: (a) => <span className={`pill pill-${a.severity}`}>{a.severity}</span> },
              { id: "kind", header: "Kind", value: (a) => (a.test ? "test" : a.kind), render: (a) => (a.test ? "test" : (KINDS[a.kind as AlertKind] ?? a.kind)) },
              { id: "title", header: "Alert", value: (a) => a.title },
              {
                id: "deliveries",
                header: "Deliveries",
                value: (a) => a.deliveries.map((d) => `${d.channel_type}:${d.status}`).join(" "),
                render: (a) =>
                  a.deliveries.length ? (
                    <ul className="plain compact">
                      {a.deliveries.map((d) => (
                        <li key={d.channel_id}>
                          <span className={`pill pill-${d.status}`}>{d.status.replace("_", " ")}</span> {d.channel_type}, {d.attempts} attempt
                          {d.attempts === 1 ? "" : "s"}
                          {d.last_error ? `: ${d.last_error}` : ""}
                        </li>
                      ))}
                    </ul>
                  ) : (
                    <span className="muted">no channel</span>
                  ),
              },
            ]}
          />
        )}
      </Card>
    </Page>
  );
}
