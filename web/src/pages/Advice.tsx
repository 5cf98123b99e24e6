// Advice: recommendations in the API's order (by monthly savings), each with what it applies to, the dollars
// it would save a month, how sure it is and why, the figures it rests on, how it was worked out, and what to do.
// There is no total on purpose: recommendations about the same usage overlap.
import { Link, useSearchParams } from "react-router";
import type { Advice } from "../api/client";
import { useAccounts, useAdvice, useTenant } from "../api/hooks";
import { Evidence } from "../components/Evidence";
import { Card, Page } from "../components/Layout";
import { Money } from "../components/Money";
import { Empty, ErrorBox, Loading, Notice } from "../components/Status";
import { kindLabel, scopeParts } from "../lib/advice";
import { adviceWindow } from "../lib/range";
import { compare, formatUsd } from "../lib/money";
import { formatInstant } from "../lib/dates";

const PERIODS = [7, 30, 90] as const;

export function AdvicePage() {
  const [params, setParams] = useSearchParams();
  const tenant = useTenant();
  const accounts = useAccounts();
  const days = PERIODS.find((d) => String(d) === params.get("days")) ?? 30;
  const period = tenant.isSuccess ? adviceWindow(days, tenant.data.history_days) : null;
  const accountId = params.get("account_id") ?? undefined;
  const kind = params.get("kind");
  const advice = useAdvice(period, accountId);
  const shown = (advice.data?.advice ?? []).filter((a) => !kind || a.kind === kind);

  function update(changes: Record<string, string | null>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) (v ? next.set(k, v) : next.delete(k));
    setParams(next, { replace: true });
  }

  const data = advice.data;
  return (
    <Page title="Advice" testId="advice">
      <Card>
        <div className="inline-form">
          <label htmlFor="advice-period">Period</label>
          <select id="advice-period" value={days} onChange={(e) => update({ days: e.target.value === "30" ? null : e.target.value })}>
            {PERIODS.map((d) => (
              <option key={d} value={d}>
                The last {d} complete days
              </option>
            ))}
          </select>
          <label htmlFor="advice-account">Account</label>
          <select id="advice-account" value={accountId ?? ""} onChange={(e) => update({ account_id: e.target.value || null })}>
            <option value="">All accounts</option>
            {(accounts.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        {period?.clamped && <p className="hint">Your plan keeps history from {period.from}: the period starts there.</p>}
        {data && (
          <p className="hint" data-testid="advice-period">
            UTC days <strong data-testid="advice-from">{data.from}</strong> to <strong data-testid="advice-to">{data.to}</strong>; hours of the
            day are read in {data.hours_in}. Savings are per month (the period scaled to 30 days), at list prices.
          </p>
        )}
      </Card>

      {advice.isLoading && <Loading what="advice" />}
      {advice.error && <ErrorBox error={advice.error} />}
      {data && (
        <>
          {!data.coverage.complete && (
            <Notice kind="warn" testId="advice-coverage">
              Some days are not imported or priced yet ({data.coverage.missing_days.join(", ")}): the advice leaves them out.
            </Notice>
          )}
          {compare(data.provisional.cost, "0") > 0 && (
            <p className="hint">
              {formatUsd(data.provisional.cost)} of the usage read is from hours since {formatInstant(data.provisional.since, "UTC")} (UTC) that
              the provider may still restate.
            </p>
          )}
          {data.advice.length > 0 && (
            <Notice testId="advice-overlap">
              Savings of different recommendations may overlap (caching and right-sizing the same key, say): they do not add up, so there is
              no total. Advice worth at least <strong data-testid="advice-threshold">{formatUsd(data.alert_threshold_usd)}</strong> a month
              raises an alert once (<Link to="/settings/organization">change the threshold</Link>).
            </Notice>
          )}
          <KindCounts counts={data.counts} selected={kind} onSelect={(k) => update({ kind: k })} total={data.advice.length} />
          {data.advice.length === 0 && <Empty>Nothing to recommend for this period: your usage looks well priced.</Empty>}
          <ol className="advice-list" data-testid="advice-list">
            {shown.map((a) => (
              <li key={a.id}>
                <Recommendation advice={a} />
              </li>
            ))}
          </ol>
        </>
      )}
    </Page>
  );
}

function KindCounts(props: { counts: Record<string, number>; total: number; selected: string | null; onSelect: (kind: string | null) => void }) {
  const kinds = Object.entries(props.counts).sort((a, b) => b[1] - a[1] || kindLabel(a[0]).localeCompare(kindLabel(b[0])));
  if (!kinds.length) return null;
  return (
    <fieldset className="kind-counts" data-testid="advice-counts">
      <legend>Recommendations by kind</legend>
      <label className={props.selected ? "chip" : "chip selected"}>
        <input type="radio" name="advice-kind" checked={!props.selected} onChange={() => props.onSelect(null)} />
        All <span className="count">{props.total}</span>
      </label>
      {kinds.map(([kind, count]) => (
        <label key={kind} className={props.selected === kind ? "chip selected" : "chip"} data-kind={kind}>
          <input type="radio" name="advice-kind" checked={props.selected === kind} onChange={() => props.onSelect(kind)} />
          {kindLabel(kind)} <span className="count">{count}</span>
        </label>
      ))}
    </fieldset>
  );
}

function Recommendation(props: { advice: Advice }) {
  const a = props.advice;
  const saves = compare(a.monthly_savings, "0") > 0;
  return (
    <article className="card recommendation" data-testid="recommendation" data-id={a.id} data-kind={a.kind} aria-labelledby={`${a.id}-title`}>
      <div className="recommendation-head">
        <span className="pill pill-kind">{kindLabel(a.kind)}</span>
        <span className={`pill pill-${a.confidence.level}`}>{a.confidence.level} confidence</span>
      </div>
      <h3 id={`${a.id}-title`} data-testid="advice-title">
        {a.title}
      </h3>
      <p className="big" data-testid="monthly-savings" data-exact={a.monthly_savings}>
        {saves ? (
          <>
            {formatUsd(a.monthly_savings)} <span className="muted per">a month</span>
          </>
        ) : (
          <span className="muted per">No saving in dollars</span>
        )}
      </p>
      {saves && (
        <p className="muted">
          <Money value={a.period_savings} /> over the period.
        </p>
      )}
      <dl className="scope">
        {scopeParts(a.scope).map((p) => (
          <div key={p.label}>
            <dt>{p.label}</dt>
            <dd>{p.value}</dd>
          </div>
        ))}
      </dl>
      <p>
        <strong>Why this confidence:</strong> {a.confidence.why}
      </p>
      {a.actions.length > 0 && (
        <>
          <h4>What to do</h4>
          <ul>
            {a.actions.map((action) => (
              <li key={action}>{action}</li>
            ))}
          </ul>
        </>
      )}
      <h4>Evidence</h4>
      <Evidence evidence={a.evidence} testId="advice-evidence" />
      <h4>Method</h4>
      <p className="hint">{a.method}</p>
    </article>
  );
}
