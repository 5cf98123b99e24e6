// Re-grouping usage rows the API already priced: tokens add as integers, money adds exactly (big.js),
// and a group with no priced tokens stays unpriced (null), as the API renders its own groups.
import type { Tokens, UsageRow } from "../api/client";
import { sum } from "./money";

const TOKEN_KEYS = ["uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "web_search_requests"] as const;
const COST_KEYS = ["uncached_input", "cache_write_5m", "cache_write_1h", "cache_read", "output", "web_search"] as const;

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
  const tokens = Object.fromEntries(TOKEN_KEYS.map((k) => [k, rows.reduce((n, r) => n + r.tokens[k], 0)])) as Tokens;
  const priced = rows.filter((r) => r.total_cost != null);
  const unpricedModels = [...new Set(rows.flatMap((r) => r.unpriced_models))].sort();
  const unpricedTokens = rows.reduce((n, r) => n + r.unpriced_tokens, 0);
  const fullyUnpriced = priced.length === 0 && rows.some((r) => r.unpriced);
  return {
    tokens,
    cost: fullyUnpriced
      ? null
      : (Object.fromEntries(COST_KEYS.map((k) => [k, sum(priced.map((r) => r.cost?.[k] ?? "0"))])) as NonNullable<UsageRow["cost"]>),
    total_cost: fullyUnpriced ? null : sum(priced.map((r) => r.total_cost)),
    effective_cost: fullyUnpriced ? null : sum(priced.map((r) => r.effective_cost ?? r.total_cost)),
    unpriced: unpricedModels.length > 0,
    unpriced_tokens: unpricedTokens,
    unpriced_models: unpricedModels,
  };
}

export function totalTokens(t: Tokens): number {
  return t.uncached_input + t.cache_write_5m + t.cache_write_1h + t.cache_read + t.output;
}
