// Advice: recommendations with the dollars they would save a month, how sure we are and why.
import { useSearchParams } from "react-router";
import { useAccounts, useAdvice, useSettings, useTenant } from "../api/hooks";
import type { CostBand, Recommendation } from "../api/proposed";
import { Card, Page } from "../components/Layout";
import { Money } from "../components/Money";
import { ErrorBox, Loading, NotAvailable } from "../components/Status";
import { addDays, maxDay, todayIn } from "../lib/dates";
import { planEarliest } from "../lib/range";

function Savings(props: { value: Recommendation["monthly_savings"] }) {
  const v = props.value;
  if (v == null) return <span className="muted">not estimated</span>;
  if (typeof v === "string") return <Money value={v} />;
  const band = v as CostBand;
  return (
    <>
      <Money value={band.expected} /> <span className="muted">(<Money value={band.low} /> to <Money value={band.high} />)</span>
    </>
  );
}

function text(v: unknown): string {
  if (v == null) return "";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map(text).join("; ");
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k.replace(/_/g, " ")}: ${text(x)}`)
    .join("; ");
}

export function AdvicePage() {
  const [params, setParams] = useSearchParams();
  const settings = useSettings();
  const tenant = useTenant();
  const accounts = useAccounts();
  const today = todayIn(settings.data?.time_zone ?? "UTC");
  const earliest = planEarliest(tenant.data?.history_days);
  const from = maxDay(addDays(today, -29), earliest ?? "0000-01-01");
  const accountId = params.get("account_id") ?? undefined;
  const advice = useAdvice(from, today, accountId);
  return (
    <Page title="Advice" testId="advice">
      <p className="hint">
        From your usage of the last 30 days ({from} to {today}). Savings are per month, at your prices.
      </p>
      <label className="inline">
        Account{" "}
        <select value={accountId ?? ""} onChange={(e) => setParams(e.target.value ? { account_id: e.target.value } : {}, { replace: true })}>
          <option value="">All accounts</option>
          {(accounts.data ?? []).map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
      {advice.isLoading && <Loading what="advice" />}
      {advice.error && <ErrorBox error={advice.error} />}
      {advice.data === null && <NotAvailable what="Advice" />}
      {advice.data && advice.data.recommendations.length === 0 && <p>Nothing to recommend: your usage looks well priced.</p>}
      {advice.data && (
        <ol className="advice-list">
          {advice.data.recommendations.map((r, i) => (
            <li key={i}>
              <Card title={r.title} testId="recommendation" headingLevel={3}>
                <p className="big">
                  <Savings value={r.monthly_savings} /> <span className="muted">a month</span>
                </p>
                <dl className="facts">
                  <div>
                    <dt>Kind</dt>
                    <dd>{r.kind.replace(/_/g, " ")}</dd>
                  </div>
                  <div>
                    <dt>Applies to</dt>
                    <dd>{text(r.scope)}</dd>
                  </div>
                  <div>
                    <dt>Confidence</dt>
                    <dd>
                      <span className={`pill pill-${r.confidence.level}`}>{r.confidence.level}</span> {r.confidence.why}
                    </dd>
                  </div>
                  <div>
                    <dt>Evidence</dt>
                    <dd>{text(r.evidence)}</dd>
                  </div>
                  <div>
                    <dt>Method</dt>
                    <dd>{r.method}</dd>
                  </div>
                </dl>
              </Card>
            </li>
          ))}
        </ol>
      )}
    </Page>
  );
}
