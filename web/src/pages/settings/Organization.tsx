import { useEffect, useState, type FormEvent } from "react";
import { unwrap } from "../../api/client";
import { isTimeZone, TIME_ZONES, type TimeZone } from "../../api/enums";
import { useApiMutation, useSettings, useTenant } from "../../api/hooks";
import { formatInstant } from "../../lib/dates";
import { formatUsd } from "../../lib/money";
import { Card, Page } from "../../components/Layout";
import { SettingsNav } from "../../components/SettingsNav";
import { ErrorBox, Loading, Notice } from "../../components/Status";
import { useAccess, useApp } from "../../state";

const PLANS = [
  { value: "free", label: "Free: 30 days of history" },
  { value: "pro", label: "Pro: 180 days" },
  { value: "enterprise", label: "Enterprise: 365 days" },
] as const;

export function OrganizationPage() {
  const { api } = useApp();
  const access = useAccess();
  const tenant = useTenant();
  const settings = useSettings();
  const [zone, setZone] = useState("");
  const [threshold, setThreshold] = useState("");
  const [plan, setPlan] = useState<"free" | "pro" | "enterprise">("free");
  useEffect(() => setZone(settings.data?.time_zone ?? ""), [settings.data]);
  useEffect(() => setThreshold(settings.data?.advice_alert_usd ?? ""), [settings.data]);
  useEffect(() => tenant.data && setPlan(tenant.data.plan), [tenant.data]);
  // Each form sends only its own field: PUT /v1/settings keeps the fields left out.
  const saveZone = useApiMutation(
    async (tz: TimeZone) => unwrap(await api.PUT("/v1/settings", { body: { time_zone: tz } })),
    ["settings", "usage", "whatif", "whatif-suggestions", "advice"],
  );
  const saveThreshold = useApiMutation(
    async (usd: string) => unwrap(await api.PUT("/v1/settings", { body: { advice_alert_usd: usd } })),
    ["settings", "advice"],
  );
  const savePlan = useApiMutation(async (p: typeof plan) => unwrap(await api.PUT("/v1/tenant/plan", { body: { plan: p } })), ["tenant", "accounts"]);

  return (
    <Page title="Plan, time zone & advice alerts" testId="organization">
      <SettingsNav />
      {(tenant.isLoading || settings.isLoading) && <Loading />}
      {tenant.data && (
        <Card title="Plan">
          <p>
            <strong>{tenant.data.name}</strong> ({tenant.data.id}) is on the <strong data-testid="plan">{tenant.data.plan}</strong> plan and keeps{" "}
            {tenant.data.history_days} days of history.
          </p>
          {tenant.data.retention && (
            <Notice kind="warn" testId="retention">
              History before {tenant.data.retention.deletes_before} is scheduled for deletion on{" "}
              {formatInstant(tenant.data.retention.due_at, "UTC")} (UTC), since the window was shortened to {tenant.data.retention.keep_days} days.
              Whatever the plan keeps on that day is kept.
            </Notice>
          )}
          {access.isOwner ? (
            <form
              className="inline-form"
              onSubmit={(e: FormEvent) => {
                e.preventDefault();
                savePlan.mutate(plan);
              }}
            >
              <label htmlFor="plan">Change plan</label>
              <select id="plan" value={plan} onChange={(e) => setPlan(e.target.value as typeof plan)}>
                {PLANS.map((p) => (
                  <option key={p.value} value={p.value}>
                    {p.label}
                  </option>
                ))}
              </select>
              <button type="submit" disabled={savePlan.isPending || plan === tenant.data.plan}>
                Save plan
              </button>
            </form>
          ) : (
            <p className="muted">Owners change the plan.</p>
          )}
          {savePlan.data && (
            <Notice kind="ok">
              Plan saved.{" "}
              {savePlan.data.accounts_importing_older_history > 0 &&
                `${savePlan.data.accounts_importing_older_history} account(s) are importing the older history.`}
            </Notice>
          )}
          {savePlan.error && <ErrorBox error={savePlan.error} />}
        </Card>
      )}
      {settings.data && (
        <Card title="Time zone">
          <p className="hint">Days, weeks and months on every page are cut in this zone. The invoice check stays in UTC, as the bill does.</p>
          <form
            className="inline-form"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              if (isTimeZone(zone)) saveZone.mutate(zone);
            }}
          >
            <label htmlFor="tz">Time zone</label>
            <select id="tz" value={zone} onChange={(e) => setZone(e.target.value)} disabled={!access.canWrite} required>
              {zone && !isTimeZone(zone) && <option value={zone}>{zone}</option>}
              {TIME_ZONES.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
            {access.canWrite && (
              <button type="submit" disabled={saveZone.isPending || zone === settings.data.time_zone}>
                Save time zone
              </button>
            )}
          </form>
          {saveZone.isSuccess && <Notice kind="ok">Time zone saved.</Notice>}
          {saveZone.error && <ErrorBox error={saveZone.error} />}
        </Card>
      )}
      {settings.data && (
        <Card title="Advice alerts" testId="advice-alerts">
          <p className="hint">
            New savings advice worth at least this much a month raises an alert, once per recommendation, to the channels that take advice
            alerts. Now: <strong data-testid="advice-threshold-saved">{formatUsd(settings.data.advice_alert_usd)}</strong> a month.
          </p>
          <form
            className="inline-form"
            aria-label="Advice alert threshold"
            onSubmit={(e: FormEvent) => {
              e.preventDefault();
              saveThreshold.mutate(threshold.trim());
            }}
          >
            <label htmlFor="advice-threshold">Alert threshold (USD a month)</label>
            <input
              id="advice-threshold"
              value={threshold}
              onChange={(e) => setThreshold(e.target.value)}
              disabled={!access.canWrite}
              required
              inputMode="decimal"
              pattern="\d{1,10}(\.\d{1,6})?"
              title="Dollars, such as 100 or 49.50"
            />
            {access.canWrite && (
              <button type="submit" disabled={saveThreshold.isPending || threshold.trim() === settings.data.advice_alert_usd}>
                Save threshold
              </button>
            )}
          </form>
          {saveThreshold.isSuccess && <Notice kind="ok">Advice alert threshold saved.</Notice>}
          {saveThreshold.error && <ErrorBox error={saveThreshold.error} />}
        </Card>
      )}
    </Page>
  );
}
