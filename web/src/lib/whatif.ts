// What-if answers for reading: what is unpriced (never $0), token classes on each side, the choices the
// filters offer, and savings said the right way round.
import Big from "big.js";
import type { ModelWhatIf, NotComparableLine, UsageRow } from "../api/client";
import { formatUsd } from "./money";
import { classLabel } from "./dims";

/** What a not-comparable line cost on the source; null (shown "unpriced", never $0) when the source has no price. */
export function notComparableCost(line: NotComparableLine): string | null {
  return line.actual_cost ?? null;
}

/** A model's actual cost, or null when none of its usage has a price (the catalogue does not know it). */
export function modelActualCost(m: ModelWhatIf): string | null {
  return m.actual_cost ?? null;
}

export type ClassLine = { key: string; label: string; source: number; target: number };

/** The quantities per usage class on both sides (source, and the target's classes before the tokenizer ratio). */
export function classLines(m: ModelWhatIf): ClassLine[] {
  const source = m.tokens as unknown as Record<string, number>;
  const target = m.target_tokens as unknown as Record<string, number>;
  const keys = [...new Set([...Object.keys(source), ...Object.keys(target)])];
  return keys
    .map((key) => ({ key, label: classLabel(key), source: source[key] ?? 0, target: target[key] ?? 0 }))
    .filter((l) => l.source || l.target);
}

export type Choice = { value: string; label: string };

/**
 * The values the what-if filters offer, from usage grouped by provider, model, API key and workspace: models
 * with their provider, keys and workspaces by name ("null" selects the keyless and default-workspace rows).
 */
export function filterChoices(rows: UsageRow[]): { models: Choice[]; apiKeys: Choice[]; workspaces: Choice[] } {
  const models = new Map<string, Choice>();
  const apiKeys = new Map<string, Choice>();
  const workspaces = new Map<string, Choice>();
  for (const r of rows) {
    if (r.model) models.set(r.model, { value: r.model, label: r.provider ? `${r.model} (${r.provider})` : r.model });
    const key = r.api_key_id ?? "null";
    if (!apiKeys.has(key)) apiKeys.set(key, { value: key, label: r.api_key_id ? (r.api_key_name ?? r.api_key_id) : "No key (Console, Workbench)" });
    const ws = r.workspace_id ?? "null";
    if (!workspaces.has(ws)) workspaces.set(ws, { value: ws, label: r.workspace_id ? (r.workspace_name ?? r.workspace_id) : "Default workspace or project" });
  }
  const byLabel = (a: Choice, b: Choice) => a.label.localeCompare(b.label);
  return { models: [...models.values()].sort(byLabel), apiKeys: [...apiKeys.values()].sort(byLabel), workspaces: [...workspaces.values()].sort(byLabel) };
}

/** Savings the right way round: "saves $12.00", "costs $3.00 more", "no change". */
export function savingsText(amount: string): string {
  const v = new Big(amount);
  if (formatUsd(amount) === "$0.00") return "no change";
  return v.gt(0) ? `saves ${formatUsd(amount)}` : `costs ${formatUsd(v.abs().toFixed())} more`;
}
