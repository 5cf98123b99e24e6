import { useEffect, useState } from "react";
import { unwrap, type RateCard } from "../../api/client";
import { useApiMutation, useRateCards } from "../../api/hooks";
import { Card, Page } from "../../components/Layout";
import { SettingsNav } from "../../components/SettingsNav";
import { Empty, ErrorBox, Loading, Notice } from "../../components/Status";
import { todayIn } from "../../lib/dates";
import { useAccess, useApp } from "../../state";

const blank = (): RateCard => ({ provider: "anthropic", model: null, percent_off: "", effective_from: todayIn("UTC"), until: null, note: "" });

export function RateCardsPage() {
  const { api } = useApp();
  const access = useAccess();
  const cards = useRateCards();
  const [draft, setDraft] = useState<RateCard[]>([]);
  useEffect(() => cards.data && setDraft(cards.data), [cards.data]);
  const save = useApiMutation(
    async (list: RateCard[]) => unwrap(await api.PUT("/v1/rate-cards", { body: { rate_cards: list } })).rate_cards,
    ["rate-cards", "usage"],
  );
  const set = (i: number, patch: Partial<RateCard>) => setDraft(draft.map((c, j) => (i === j ? { ...c, ...patch } : c)));
  const ro = !access.canWrite;

  return (
    <Page title="Rate cards" testId="rate-cards">
      <SettingsNav />
      <Card>
        <p className="hint">
          Negotiated discounts: percent off list price per provider (or per model prefix) from a UTC day. Costs are shown at list price
          and, beside it, after these discounts.
        </p>
        {cards.isLoading && <Loading />}
        {cards.error && <ErrorBox error={cards.error} />}
        {cards.data && !draft.length && <Empty>No rate card: every cost is at list price.</Empty>}
        {draft.length > 0 && (
          <div className="table-scroll">
            <table>
              <caption>Rate cards</caption>
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col">Model prefix</th>
                  <th scope="col">% off</th>
                  <th scope="col">From</th>
                  <th scope="col">Until</th>
                  <th scope="col">Note</th>
                  {!ro && <th scope="col"><span className="visually-hidden">Actions</span></th>}
                </tr>
              </thead>
              <tbody>
                {draft.map((c, i) => (
                  <tr key={i}>
                    <td>
                      <select aria-label="Provider" value={c.provider} disabled={ro} onChange={(e) => set(i, { provider: e.target.value as RateCard["provider"] })}>
                        <option value="anthropic">anthropic</option>
                        <option value="openai">openai</option>
                      </select>
                    </td>
                    <td>
                      <input aria-label="Model prefix" value={c.model ?? ""} disabled={ro} placeholder="every model" onChange={(e) => set(i, { model: e.target.value || null })} />
                    </td>
                    <td>
                      <input aria-label="Percent off" value={c.percent_off} disabled={ro} inputMode="decimal" size={6} onChange={(e) => set(i, { percent_off: e.target.value })} />
                    </td>
                    <td>
                      <input aria-label="Effective from" type="date" value={c.effective_from} disabled={ro} onChange={(e) => set(i, { effective_from: e.target.value })} />
                    </td>
                    <td>
                      <input aria-label="Until" type="date" value={c.until ?? ""} disabled={ro} onChange={(e) => set(i, { until: e.target.value || null })} />
                    </td>
                    <td>
                      <input aria-label="Note" value={c.note ?? ""} disabled={ro} onChange={(e) => set(i, { note: e.target.value })} />
                    </td>
                    {!ro && (
                      <td>
                        <button type="button" className="danger" onClick={() => setDraft(draft.filter((_, j) => j !== i))}>
                          Remove
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {!ro && (
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setDraft([...draft, blank()])}>
              Add a rate card
            </button>
            <button type="button" onClick={() => save.mutate(draft)} disabled={save.isPending}>
              Save rate cards
            </button>
          </div>
        )}
        {save.isSuccess && <Notice kind="ok">Rate cards saved; costs after discounts are recomputed on every page.</Notice>}
        {save.error && <ErrorBox error={save.error} title="Not saved" />}
      </Card>
    </Page>
  );
}
