// What-if: the usage of a period (filtered as asked) re-priced on another model, each UTC day at that model's
// price that day, as a band (the same text is more or fewer tokens on another tokenizer). Under it, the
// cheapest credible alternatives for the top models, each with its evidence and sources.
import Big from "big.js";
import { useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { PROVIDERS, type Alternative, type ModelWhatIf, type SuggestedModel, type SuggestionsResponse, type WhatIfResponse } from "../api/client";
import { SELECTION_FILTERS, useAccounts, useSettings, useTenant, useUsage, useWhatIf, useWhatIfSuggestions, type Selection } from "../api/hooks";
import { BandText } from "../components/BandText";
import { DataTable } from "../components/DataTable";
import { SourceLinks } from "../components/Evidence";
import { Card, Page } from "../components/Layout";
import { Money } from "../components/Money";
import { RangePicker } from "../components/RangePicker";
import { Empty, ErrorBox, Loading, Notice } from "../components/Status";
import { formatTokenizer, isPoint } from "../lib/band";
import { formatInstant, todayIn } from "../lib/dates";
import { classLabel } from "../lib/dims";
import { compare, formatInt, formatSignedUsd, formatUsd } from "../lib/money";
import { clampToPlan, isPreset, planEarliest, resolveRange, type Preset } from "../lib/range";
import { classLines, filterChoices, modelActualCost, notComparableCost, savingsText, type Choice } from "../lib/whatif";

export function WhatIfPage() {
  const [params, setParams] = useSearchParams();
  const settings = useSettings();
  const tenant = useTenant();
  const accounts = useAccounts();
  const today = todayIn(settings.data?.time_zone ?? "UTC");
  const preset: Preset = isPreset(params.get("range")) ? (params.get("range") as Preset) : "30d";
  const range = clampToPlan(resolveRange(preset, today, { from: params.get("from"), to: params.get("to") }), planEarliest(tenant.data?.history_days));
  const target = params.get("target");
  const [typed, setTyped] = useState(target ?? "");
  useEffect(() => setTyped(target ?? ""), [target]);
  const accountId = params.get("account_id") ?? undefined;
  const filters = Object.fromEntries(SELECTION_FILTERS.map((f) => [f, params.getAll(f).filter(Boolean)]).filter(([, v]) => v.length));
  const ready = settings.isSuccess && tenant.isSuccess;
  const selection: Selection | null = ready ? { from: range.from, to: range.to, account_id: accountId, filters } : null;

  // What the filters and the target box offer: the models, keys and workspaces of the period's usage.
  const seen = useUsage(ready ? { from: range.from, to: range.to, account_id: accountId, group_by: ["provider", "model", "api_key", "workspace"] } : null);
  const choices = useMemo(() => filterChoices(seen.data?.rows ?? []), [seen.data]);
  const suggestions = useWhatIfSuggestions(selection);
  const whatif = useWhatIf(selection, target);

  function update(changes: Record<string, string | null>) {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) (v ? next.set(k, v) : next.delete(k));
    setParams(next, { replace: true });
  }

  const peers = useMemo(() => {
    const out = new Map<string, string>();
    for (const m of suggestions.data?.models ?? []) for (const a of m.alternatives) out.set(`${a.provider}/${a.model}`, `suggested for ${m.model}`);
    return out;
  }, [suggestions.data]);

  const filtersOn = !!accountId || Object.keys(filters).length > 0;
  return (
    <Page title="What-if" testId="whatif">
      <Card>
        <RangePicker
          range={range}
          maxDay={today}
          onPreset={(p) => update({ range: p, from: p === "custom" ? range.from : null, to: p === "custom" ? range.to : null })}
          onCustom={(from, to) => update({ range: "custom", from, to })}
        />
        <form
          className="inline-form"
          aria-label="Compare with another model"
          onSubmit={(e) => {
            e.preventDefault();
            update({ target: typed.trim() || null });
          }}
        >
          <label htmlFor="target-model">Target model</label>
          <input
            id="target-model"
            list="target-models"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            placeholder="gpt-5, claude-sonnet-4-6, openai/gpt-5-mini…"
            required
            maxLength={200}
            aria-describedby="target-hint"
          />
          <datalist id="target-models">
            {[...peers].map(([value, why]) => (
              <option key={value} value={value}>
                {why}
              </option>
            ))}
            {choices.models.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}, in your usage
              </option>
            ))}
          </datalist>
          <button type="submit">Compare</button>
        </form>
        <p className="hint" id="target-hint">
          Any model of the price catalogue, of either provider; name it as provider/model when both providers have one of that name.
        </p>
        <details open={filtersOn}>
          <summary>Filters{filtersOn ? " (on)" : ""}</summary>
          <div className="form-grid">
            <label htmlFor="w-account">Account</label>
            <select id="w-account" value={accountId ?? ""} onChange={(e) => update({ account_id: e.target.value || null })}>
              <option value="">All accounts</option>
              {(accounts.data ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
            <FilterSelect id="w-provider" label="Provider" value={params.get("provider")} any="All providers" choices={PROVIDERS} onChange={(v) => update({ provider: v })} />
            <FilterSelect id="w-model" label="Model used" value={params.get("model")} any="All models" choices={choices.models} onChange={(v) => update({ model: v })} />
            <FilterSelect id="w-api-key" label="API key" value={params.get("api_key")} any="All keys" choices={choices.apiKeys} onChange={(v) => update({ api_key: v })} />
            <FilterSelect
              id="w-workspace"
              label="Workspace or project"
              value={params.get("workspace")}
              any="All workspaces"
              choices={choices.workspaces}
              onChange={(v) => update({ workspace: v })}
            />
          </div>
        </details>
      </Card>

      {!target && <p className="hint">Choose a target model to see your usage at its prices, or compare one of the suggested alternatives below.</p>}
      {whatif.isLoading && <Loading what="the comparison" />}
      {whatif.error && <ErrorBox error={whatif.error} title="No comparison" />}
      {whatif.data && <WhatIfResult data={whatif.data} />}
      <Suggestions query={suggestions} onCompare={(t) => (update({ target: t }), window.scrollTo({ top: 0 }))} />
    </Page>
  );
}

function FilterSelect(props: {
  id: string;
  label: string;
  value: string | null;
  any: string;
  choices: readonly Choice[];
  onChange: (value: string | null) => void;
}) {
  const known = props.choices.some((c) => c.value === props.value);
  return (
    <>
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value ?? ""} onChange={(e) => props.onChange(e.target.value || null)}>
        <option value="">{props.any}</option>
        {props.value && !known && <option value={props.value}>{props.value}</option>}
        {props.choices.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
    </>
  );
}

function Coverage(props: { answer: WhatIfResponse | SuggestionsResponse }) {
  const a = props.answer;
  return (
    <>
      {!a.coverage.complete && (
        <Notice kind="warn" testId="whatif-coverage">
          Days not imported or priced yet: {a.coverage.missing_days.join(", ")}. The figures leave them out.
        </Notice>
      )}
      {compare(a.provisional.cost, "0") > 0 && (
        <p className="hint">
          {formatUsd(a.provisional.cost)} of the actual cost is from hours since {formatInstant(a.provisional.since, a.time_zone)} that the provider may
          still restate.
        </p>
      )}
    </>
  );
}

function WhatIfResult(props: { data: WhatIfResponse }) {
  const d = props.data;
  const t = d.totals;
  const target = `${d.target.provider}/${d.target.model}`;
  return (
    <Card title={`Your usage at ${d.target.model} prices`} testId="whatif-result">
      <p className="hint" data-testid="whatif-period">
        <span data-testid="whatif-from">{d.from}</span> to <span data-testid="whatif-to">{d.to}</span> ({d.time_zone}), on {target} (catalogue id{" "}
        {d.target.model_ref}); {d.catalogue_version}.
      </p>
      <Coverage answer={d} />
      <div className="kpis">
        <Card title="Actual cost" className="kpi">
          <p className="big">
            <Money value={t.actual_cost} testId="whatif-actual" />
          </p>
          <p className="muted">
            of which <Money value={t.compared_actual_cost} testId="whatif-compared" /> has a price on both sides
          </p>
        </Card>
        <Card title={`On ${d.target.model}`} className="kpi">
          <p className="band-big">
            <BandText band={t.target_cost} testId="whatif-target" />
          </p>
          <p className="muted">for the compared usage</p>
        </Card>
        <Card title="Difference" className="kpi">
          <p className="band-big">
            <BandText band={t.difference} signed testId="whatif-difference" />
          </p>
          <p className="muted">target minus actual: negative is cheaper</p>
        </Card>
        <Card title="Not comparable" className="kpi">
          <p className="big">
            <Money value={t.not_comparable_actual_cost} testId="whatif-not-comparable-total" />
          </p>
          <p className="muted">left out of both sides{d.not_comparable.some((l) => notComparableCost(l) === null) ? ", and unpriced usage" : ""}</p>
        </Card>
      </div>

      <DataTable<ModelWhatIf>
        caption={`Per model used, ${d.from} to ${d.to}, on ${target}`}
        csvName={`whatif-${d.target.model}-${d.from}-${d.to}.csv`}
        rows={d.models}
        testId="whatif-models"
        rowKey={(m) => `${m.provider}/${m.model}`}
        columns={[
          { id: "model", header: "Model used", value: (m) => m.model },
          { id: "provider", header: "Provider", value: (m) => m.provider },
          { id: "model_ref", header: "Catalogue id", value: (m) => m.model_ref, hidden: true },
          { id: "days", header: "Days", kind: "number", value: (m) => m.days },
          { id: "actual_cost", header: "Actual", kind: "money", value: (m) => modelActualCost(m) },
          {
            id: "compared_actual_cost",
            header: "Compared",
            kind: "money",
            value: (m) => m.compared_actual_cost,
            render: (m) => (m.comparable ? <Money value={m.compared_actual_cost} /> : <span className="muted">none</span>),
          },
          {
            id: "target",
            header: `On ${d.target.model}`,
            value: (m) => (m.comparable ? m.target_cost.expected : null),
            kind: "money",
            render: (m) => (m.comparable ? <BandText band={m.target_cost} testId="model-target" /> : <span className="unpriced">not comparable</span>),
            noCsv: true,
          },
          { id: "target_low", header: "Target low", kind: "money", value: (m) => (m.comparable ? m.target_cost.low : null), hidden: true },
          { id: "target_expected", header: "Target expected", kind: "money", value: (m) => (m.comparable ? m.target_cost.expected : null), hidden: true },
          { id: "target_high", header: "Target high", kind: "money", value: (m) => (m.comparable ? m.target_cost.high : null), hidden: true },
          {
            id: "difference_expected",
            header: "Difference",
            kind: "money",
            value: (m) => (m.comparable ? m.difference.expected : null),
            render: (m) => (m.comparable ? <span title={`$${m.difference.expected} exactly`}>{formatSignedUsd(m.difference.expected)}</span> : ""),
          },
          { id: "tokenizer", header: "Tokens on the target", value: (m) => formatTokenizer(m.tokenizer) },
        ]}
      />

      <h3 className="whatif-section">Per model: tokens, class mapping and notes</h3>
      {d.models.map((m) => (
        <ModelDetails key={`${m.provider}/${m.model}`} model={m} targetModel={d.target.model} />
      ))}

      <h3 className="whatif-section">Not comparable</h3>
      {d.not_comparable.length === 0 ? (
        <Empty>Every part of the usage has a price on both sides.</Empty>
      ) : (
        <DataTable
          caption="Usage left out of both sides, with why"
          csvName={`whatif-not-comparable-${d.target.model}-${d.from}-${d.to}.csv`}
          rows={d.not_comparable}
          testId="whatif-not-comparable"
          columns={[
            { id: "model", header: "Model used", value: (l) => l.model },
            { id: "provider", header: "Provider", value: (l) => l.provider },
            { id: "usage_class", header: "Class", value: (l) => (l.usage_class === "all" ? "all" : classLabel(l.usage_class)) },
            { id: "quantity", header: "Quantity", kind: "number", value: (l) => l.quantity },
            { id: "actual_cost", header: "Actual cost", kind: "money", value: (l) => notComparableCost(l) },
            { id: "reason", header: "Why", value: (l) => l.reason },
          ]}
        />
      )}

      <h3 className="whatif-section">Method</h3>
      <p className="hint" data-testid="whatif-method">
        {d.method}
      </p>
    </Card>
  );
}

function ModelDetails(props: { model: ModelWhatIf; targetModel: string }) {
  const m = props.model;
  const lines = classLines(m);
  const moved = m.mapping.filter((x) => x.from !== x.to);
  return (
    <details className="subcard model-details" data-testid="model-details" data-model={m.model}>
      <summary>
        {m.model} <span className="muted">({m.provider})</span>
        {!m.comparable && <span className="unpriced"> not comparable</span>}
        {m.notes.length > 0 && <span className="muted"> · {m.notes.length} note{m.notes.length === 1 ? "" : "s"}</span>}
      </summary>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={`Quantities of ${m.model} per class`}>
        <table>
          <caption>Quantities per class: used, and in {props.targetModel}'s classes (before the tokenizer ratio)</caption>
          <thead>
            <tr>
              <th scope="col">Class</th>
              <th scope="col" className="num">
                Used
              </th>
              <th scope="col" className="num">
                On the target
              </th>
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l.key}>
                <td>{l.label}</td>
                <td className="num">{formatInt(l.source)}</td>
                <td className="num">{formatInt(l.target)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl className="facts">
        <div>
          <dt>Tokenizer</dt>
          <dd>{formatTokenizer(m.tokenizer)}</dd>
        </div>
        <div>
          <dt>Class mapping</dt>
          <dd>
            {m.mapping.length === 0
              ? "each class to itself (same provider)"
              : moved.length
                ? moved.map((x) => `${classLabel(x.from)} → ${classLabel(x.to)}`).join("; ") + "; the others to themselves"
                : "each class to itself"}
          </dd>
        </div>
        {m.notes.length > 0 && (
          <div>
            <dt>Notes</dt>
            <dd>
              <ul className="compact-list">
                {m.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            </dd>
          </div>
        )}
        {m.not_comparable.length > 0 && (
          <div>
            <dt>Not comparable</dt>
            <dd>
              <ul className="compact-list">
                {m.not_comparable.map((l) => (
                  <li key={`${l.usage_class}/${l.reason}`}>
                    {l.usage_class === "all" ? "all of it" : classLabel(l.usage_class)}: {formatInt(l.quantity)}, <Money value={notComparableCost(l)} /> ({l.reason})
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        )}
      </dl>
    </details>
  );
}

function Suggestions(props: { query: { data?: SuggestionsResponse; error: Error | null; isLoading: boolean }; onCompare: (target: string) => void }) {
  const { data, error, isLoading } = props.query;
  return (
    <Card title="Cheaper alternatives" testId="suggestions">
      {isLoading && <Loading what="the alternatives" />}
      {error && <ErrorBox error={error} />}
      {data && (
        <>
          <p className="hint">
            Your top models of <span data-testid="suggestions-from">{data.from}</span> to <span data-testid="suggestions-to">{data.to}</span>, each re-priced on the peers the curated equivalence map lists for it: comparable ones first,
            largest expected savings first.
          </p>
          <Coverage answer={data} />
          {data.models.length === 0 && <Empty>No peer is listed for the models of this period.</Empty>}
          {data.models.map((m) => (
            <SuggestedModelView key={`${m.provider}/${m.model}`} model={m} onCompare={props.onCompare} />
          ))}
          {data.unassessed.length > 0 && (
            <p className="hint" data-testid="unassessed">
              No peer is listed yet for{" "}
              {data.unassessed.map((u, i) => (
                <span key={`${u.provider}/${u.model}`}>
                  {i > 0 && ", "}
                  {u.model} ({u.provider}, <Money value={u.actual_cost} />)
                </span>
              ))}
              : not assessed, which is not the same as having no alternative.
            </p>
          )}
          <details>
            <summary>Method</summary>
            <p className="hint">{data.method}</p>
          </details>
        </>
      )}
    </Card>
  );
}

const SIMILARITY: Record<Alternative["similarity"], string> = { same_model: "the same model", similar: "a similar model" };
const BASIS: Record<Alternative["basis"], string> = { provider: "the provider's own word", benchmark: "benchmarks" };

function SuggestedModelView(props: { model: SuggestedModel; onCompare: (target: string) => void }) {
  const m = props.model;
  return (
    <section className="subcard suggested-model" data-testid="suggested-model" data-model={m.model}>
      <h3>
        {m.model} <span className="muted">({m.provider})</span>: <Money value={m.actual_cost} /> in the period
      </h3>
      <ol className="alternatives">
        {m.alternatives.map((a) => (
          <li key={`${a.provider}/${a.model}`} data-testid="alternative" data-target={`${a.provider}/${a.model}`}>
            <p>
              <strong>
                {a.provider}/{a.model}
              </strong>{" "}
              <span className="pill pill-kind">{SIMILARITY[a.similarity]}</span> <span className="pill pill-kind">basis: {BASIS[a.basis]}</span>
            </p>
            {a.comparable ? (
              <>
                <p className="saving">
                  <span data-testid="monthly-savings-expected" data-exact={a.monthly_savings_expected}>
                    {compare(a.monthly_savings_expected, "0") >= 0
                      ? `${formatUsd(a.monthly_savings_expected)} a month saved`
                      : `${formatUsd(new Big(a.monthly_savings_expected).abs().toFixed())} a month more`}
                  </span>{" "}
                  <span className="muted">(expected)</span>
                </p>
                <p>
                  Over the period it {savingsText(a.savings.expected)}
                  {!isPoint(a.savings) && (
                    <>
                      {" "}
                      (savings <BandText band={a.savings} signed testId="savings-band" />)
                    </>
                  )}
                  : <BandText band={a.target_cost} /> instead of <Money value={a.compared_actual_cost} />.
                </p>
              </>
            ) : (
              <p className="unpriced">Not comparable: none of the usage has a price on both sides.</p>
            )}
            <dl className="facts">
              <div>
                <dt>Evidence</dt>
                <dd>{a.evidence}</dd>
              </div>
              <div>
                <dt>Caveats</dt>
                <dd>{a.caveats}</dd>
              </div>
              <div>
                <dt>Tokens on the target</dt>
                <dd>{formatTokenizer(a.tokenizer)}</dd>
              </div>
              {a.notes.length > 0 && (
                <div>
                  <dt>Notes</dt>
                  <dd>{a.notes.join("; ")}</dd>
                </div>
              )}
              {a.not_comparable.length > 0 && (
                <div>
                  <dt>Not comparable</dt>
                  <dd>
                    {a.not_comparable.map((l, i) => (
                      <span key={`${l.usage_class}/${l.reason}`}>
                        {i > 0 && "; "}
                        {l.usage_class === "all" ? "all" : classLabel(l.usage_class)} (<Money value={notComparableCost(l)} />
                        ): {l.reason}
                      </span>
                    ))}
                  </dd>
                </div>
              )}
            </dl>
            {a.sources.length > 0 && (
              <>
                <h4>Sources</h4>
                <SourceLinks sources={a.sources} />
              </>
            )}
            <button type="button" className="secondary" onClick={() => props.onCompare(`${a.provider}/${a.model}`)}>
              Compare {a.model} in detail
            </button>
          </li>
        ))}
      </ol>
    </section>
  );
}
