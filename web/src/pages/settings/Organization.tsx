import { useEffect, useMemo, useState, type FormEvent } from "react";
import { unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useApiMutation, useSettings, useTenant } from "../../api/hooks";
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
  const zones = useMemo(() => {
    try {
      return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf("timeZone");
    } catch {
      return ["UTC"];
    }
  }, []);
  const [zone, setZone] = useState("");
  const [plan, setPlan] = useState<"free" | "pro" | "enterprise">("free");
  useEffect(() => setZone(settings.data?.time_zone ?? ""), [settings.data]);
  useEffect(() => tenant.data && setPlan(tenant.data.plan), [tenant.data]);
  // The API checks the zone against its IANA list (a 422 names the field); the browser's list is the same database.
  type Zone = components["schemas"]["SettingsBody"]["time_zone"];
  const saveZone = useApiMutation(
    async (tz: string) => unwrap(await api.PUT("/v1/settings", { body: { time_zone: tz as Zone } })),
    ["settings", "usage"],
  );
  const savePlan = useApiMutation(async (p: typeof plan) => unwrap(await api.PUT("/v1/tenant/plan", { body: { plan: p } })), ["tenant", "accounts"]);

  return (
    <Page title="Plan & time zone" testId="organization">
      <SettingsNav />
      {(tenant.isLoading || settings.isLoading) && <Loading />}
      {tenant.data && (
        <Card title="Plan">
          <p>
            <strong>{tenant.data.name}</strong> ({tenant.data.id}) is on the <strong data-testid="plan">{tenant.data.plan}</strong> plan and keeps{" "}
            {tenant.data.history_days} days of history.
          </p>
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
              saveZone.mutate(zone);
            }}
          >
            <label htmlFor="tz">Time zone</label>
            <input id="tz" list="tz-list" value={zone} onChange={(e) => setZone(e.target.value)} disabled={!access.canWrite} required />
            <datalist id="tz-list">
              {zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
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
    </Page>
  );
}
