// Settings > Connections: connect a provider's admin key (pasted once, never shown again), watch it
// import and sync, and act on it: sync now, rotate, disconnect.
import { useState, type FormEvent } from "react";
import { unwrap, type Account } from "../../api/client";
import { useAccounts, useApiMutation, useAudit, useSettings } from "../../api/hooks";
import { DataTable } from "../../components/DataTable";
import { Card, Page } from "../../components/Layout";
import { SettingsNav } from "../../components/SettingsNav";
import { Empty, ErrorBox, Loading, Notice } from "../../components/Status";
import { formatInstant, relative } from "../../lib/dates";
import { useAccess, useApp } from "../../state";

type Indicator = { tone: "ok" | "busy" | "error" | "warn" | "off"; label: string; detail?: string; action?: string };

export function indicator(a: Account): Indicator {
  if (a.status === "disconnected") return { tone: "off", label: "Disconnected", detail: "The key is deleted; history is kept." };
  if (a.status === "error")
    return {
      tone: "error",
      label: "Error",
      detail: a.status_reason ?? "The last sync failed.",
      action:
        "Check that the key is an active Admin API key of this organization. If it was revoked, rotate in a new one; if the provider was down, Sync now retries.",
    };
  if (!a.history.complete)
    return { tone: "busy", label: "Importing history", detail: `${a.history.days_imported} of ${a.history.days_due} days` };
  if (a.status === "syncing") return { tone: "busy", label: "Syncing" };
  if (a.rotation_due)
    return {
      tone: "warn",
      label: "Rotation due",
      detail: `The key is ${a.key_age_days} days old.`,
      action: "Create a new Admin key in the provider's console and rotate it in here; history is kept.",
    };
  return { tone: "ok", label: "Connected" };
}

function StatusIndicator(props: { account: Account }) {
  const s = indicator(props.account);
  return (
    <div className={`status status-${s.tone}`} data-testid="account-status" data-status={s.label}>
      <span className="dot" aria-hidden="true" />
      <strong>{s.label}</strong>
      {s.label === "Importing history" && (
        <progress max={100} value={props.account.history.percent} aria-label={`History import ${props.account.history.percent}%`} />
      )}
      {s.detail && <span className="detail">{s.detail}</span>}
      {s.action && <p className="what-to-do">What to do: {s.action}</p>}
    </div>
  );
}

function ConnectForm() {
  const { api } = useApp();
  const [provider, setProvider] = useState<"anthropic" | "openai">("anthropic");
  const [name, setName] = useState("");
  const [key, setKey] = useState("");
  const [done, setDone] = useState<Account | null>(null);
  const connect = useApiMutation(
    async (body: { provider: "anthropic" | "openai"; name: string; api_key: string }) =>
      unwrap(await api.POST("/v1/accounts", { body })),
    ["accounts"],
  );

  function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    connect.mutate(
      { provider, name: name.trim(), api_key: key.trim() },
      {
        onSuccess: (a) => {
          setDone(a);
          setKey("");
          setName("");
        },
        // The key is not kept in the page after a failed attempt either.
        onError: () => setKey(""),
      },
    );
  }

  return (
    <Card title="Connect an account" testId="connect-form">
      <form onSubmit={submit} className="form-grid">
        <label htmlFor="provider">Provider</label>
        <select id="provider" value={provider} onChange={(e) => setProvider(e.target.value as "anthropic" | "openai")}>
          <option value="anthropic">Anthropic (Admin API key)</option>
          <option value="openai">OpenAI (admin key)</option>
        </select>
        <label htmlFor="account-name">Name</label>
        <input id="account-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={120} placeholder="Production org" />
        <label htmlFor="admin-key">Admin key</label>
        <input
          id="admin-key"
          type="password"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          required
          maxLength={400}
          autoComplete="off"
          spellCheck={false}
          aria-describedby="admin-key-help"
        />
        <p id="admin-key-help" className="hint span-2">
          Pasted once: it is verified live with the provider, then sealed; only its last four characters are ever
          shown again. {provider === "anthropic" ? "Create one under Console > Settings > Admin keys (sk-ant-admin…)." : "Create one under Organization settings > Admin keys."}
        </p>
        <button type="submit" disabled={connect.isPending} className="span-2">
          {connect.isPending ? "Verifying the key…" : "Connect"}
        </button>
      </form>
      {connect.error && <ErrorBox error={connect.error} title="Not connected" />}
      {done && (
        <Notice kind="ok" testId="connected-notice">
          {done.name} is connected ({done.key_hint}); its history is being imported below.
        </Notice>
      )}
    </Card>
  );
}

function AccountCard(props: { account: Account; canWrite: boolean; timeZone: string }) {
  const a = props.account;
  const { api } = useApp();
  const [rotating, setRotating] = useState(false);
  const [newKey, setNewKey] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [purge, setPurge] = useState(false);
  const sync = useApiMutation(async () => unwrap(await api.POST("/v1/accounts/{id}/sync", { params: { path: { id: a.id } } })), ["accounts"]);
  const rotate = useApiMutation(
    async (k: string) => unwrap(await api.POST("/v1/accounts/{id}/rotate", { params: { path: { id: a.id } }, body: { api_key: k } })),
    ["accounts", "audit"],
  );
  const disconnect = useApiMutation(
    async (p: boolean) => unwrap(await api.DELETE("/v1/accounts/{id}", { params: { path: { id: a.id }, query: { purge: p } } })),
    ["accounts", "audit"],
  );
  const error = sync.error ?? rotate.error ?? disconnect.error;

  return (
    <li className="account card" data-testid="account" data-account-id={a.id}>
      <div className="account-head">
        <h3>{a.name}</h3>
        <span className="muted">
          {a.provider} · {a.organization.name ?? a.organization.id} · key {a.key_hint}
          {a.workspace_word !== "workspace" && ` · its ${a.workspace_word}s show as workspaces`}
        </span>
      </div>
      <StatusIndicator account={a} />
      <dl className="facts">
        <div>
          <dt>Last sync</dt>
          <dd>{a.last_success_at ? `${formatInstant(a.last_success_at, props.timeZone)} (${relative(a.last_success_at)})` : "not yet"}</dd>
        </div>
        <div>
          <dt>Next sync</dt>
          <dd>{a.status === "disconnected" ? "none" : a.next_sync_at ? `${formatInstant(a.next_sync_at, props.timeZone)} (${relative(a.next_sync_at)})` : "soon"}</dd>
        </div>
        <div>
          <dt>Key age</dt>
          <dd>{a.key_age_days} days</dd>
        </div>
      </dl>
      {props.canWrite && a.status !== "disconnected" && (
        <div className="actions">
          <button type="button" className="secondary" onClick={() => sync.mutate(undefined)} disabled={sync.isPending}>
            Sync now
          </button>
          <button type="button" className="secondary" onClick={() => setRotating(!rotating)} aria-expanded={rotating}>
            Rotate key
          </button>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Disconnect
          </button>
        </div>
      )}
      {sync.isSuccess && (
        <p role="status">{(sync.data as { detail?: string } | undefined)?.detail ?? "Sync requested."}</p>
      )}
      {rotating && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            rotate.mutate(newKey.trim(), { onSuccess: () => setRotating(false), onSettled: () => setNewKey("") });
          }}
        >
          <label htmlFor={`rotate-${a.id}`}>New admin key of the same organization</label>
          <input id={`rotate-${a.id}`} type="password" autoComplete="off" value={newKey} onChange={(e) => setNewKey(e.target.value)} required />
          <button type="submit" disabled={rotate.isPending}>
            {rotate.isPending ? "Verifying…" : "Rotate"}
          </button>
        </form>
      )}
      {confirming && (
        <div className="confirm" role="alertdialog" aria-labelledby={`dc-${a.id}`}>
          <p id={`dc-${a.id}`}>
            Disconnect {a.name}? Its key is deleted and syncing stops{purge ? "; every usage record is deleted too" : "; history is kept"}.
          </p>
          <label className="inline">
            <input type="checkbox" checked={purge} onChange={(e) => setPurge(e.target.checked)} /> Also delete its usage history
          </label>
          <div className="actions">
            <button type="button" className="danger" onClick={() => disconnect.mutate(purge, { onSuccess: () => setConfirming(false) })}>
              Disconnect {a.name}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {error && <ErrorBox error={error} />}
    </li>
  );
}

export function ConnectionsPage() {
  const accounts = useAccounts(true);
  const access = useAccess();
  const settings = useSettings();
  const audit = useAudit(access.canWrite);
  const tz = settings.data?.time_zone ?? "UTC";
  return (
    <Page title="Connections" testId="connections">
      <SettingsNav />
      {accounts.isLoading && <Loading what="accounts" />}
      {accounts.error && <ErrorBox error={accounts.error} />}
      {accounts.data && accounts.data.length === 0 && <Empty>No account is connected yet.</Empty>}
      {accounts.data && accounts.data.length > 0 && (
        <ul className="accounts" aria-label="Connected accounts">
          {accounts.data.map((a) => (
            <AccountCard key={a.id} account={a} canWrite={access.canWrite} timeZone={tz} />
          ))}
        </ul>
      )}
      {access.canWrite && <ConnectForm />}
      {!access.canWrite && !access.loading && (
        <p className="muted" data-testid="read-only">
          You can see the connections; owners and admins connect and change them.
        </p>
      )}
      {access.canWrite && audit.data && (
        <details className="card">
          <summary>Audit log</summary>
          <DataTable
            caption="Key events, newest first"
            csvName="audit.csv"
            rows={audit.data}
            columns={[
              { id: "at", header: "When", value: (e) => e.at, render: (e) => formatInstant(e.at, tz) },
              { id: "actor", header: "Who", value: (e) => e.actor },
              { id: "action", header: "What", value: (e) => e.action },
              { id: "account_id", header: "Account", value: (e) => e.account_id },
              { id: "outcome", header: "Outcome", value: (e) => e.outcome },
            ]}
          />
        </details>
      )}
    </Page>
  );
}
