// Re-grouping usage rows the API already priced: tokens add as integers, money adds exactly (big.js),
// and a group with no priced tokens stays unpriced (null), as the API renders its own groups.
import type { Tokens, UsageRow } from "../api/client";
import { sum } from "./money";

type Counts = Record<string, number>;
type Amounts = Record<string, string>;

/** Every class any of the rows has (the API may add classes: none is dropped). */
function keysOf(objects: object[]): string[] {
  return [...new Set(objects.flatMap((o) => Object.keys(o)))];
}

export type Group = UsageRow & { key: string };

export function regroup(rows: UsageRow[], keyOf: (r: UsageRow) => string, fields: (r: UsageRow) => Partial<UsageRow>): Group[] {
  const parts = new Map<string, UsageRow[]>();
  for (const r of rows) {
    const k = keyOf(r);
    const list = parts.get(k);
    if (list) list.push(r);
    else parts.set(k, [r]);
  }
  return [...parts.entries()].map(([key, members]) => ({ key, ...fields(members[0]), ...combine(members) }));
}

export function combine(rows: UsageRow[]): Omit<UsageRow, "model"> {
  const tokens = Object.fromEntries(
    keysOf(rows.map((r) => r.tokens)).map((k) => [k, rows.reduce((n, r) => n + ((r.tokens as unknown as Counts)[k] ?? 0), 0)]),
  ) as unknown as Tokens;
  const priced = rows.filter((r) => r.total_cost != null);
  const costKeys = keysOf(priced.map((r) => r.cost ?? {}));
  const unpricedModels = [...new Set(rows.flatMap((r) => r.unpriced_models))].sort();
  const unpricedTokens = rows.reduce((n, r) => n + r.unpriced_tokens, 0);
  const fullyUnpriced = priced.length === 0 && rows.some((r) => r.unpriced);
  return {
    tokens,
    cost: fullyUnpriced
      ? null
      : (Object.fromEntries(
          costKeys.map((k) => [k, sum(priced.map((r) => ((r.cost ?? {}) as Amounts)[k] ?? "0"))]),
        ) as unknown as NonNullable<UsageRow["cost"]>),
    total_cost: fullyUnpriced ? null : sum(priced.map((r) => r.total_cost)),
    effective_cost: fullyUnpriced ? null : sum(priced.map((r) => r.effective_cost ?? r.total_cost)),
    unpriced: unpricedModels.length > 0,
    unpriced_tokens: unpricedTokens,
    unpriced_models: unpricedModels,
  };
}

