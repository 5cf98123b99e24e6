// Savings advice for reading: kinds in words, what a recommendation is about, and its evidence (the figures it
// rests on, a JSON object whose keys differ by kind) as label/value pairs. Amounts stay exact decimal strings
// until they are shown.
import { PROVIDERS, type AdviceKind, type AdviceScope } from "../api/client";
import type { Band } from "./band";
import { formatInt, isMoney } from "./money";
import { formatShare } from "./band";

/** Every kind the API has (a Record over the generated union: a kind added to the API fails the build here). */
export const ADVICE_KIND_LABELS: Record<AdviceKind, string> = {
  prompt_caching: "Prompt caching",
  cache_duration: "Cache lifetime",
  batch: "Batch API",
  long_context: "Long context",
  right_sizing: "Right-sizing",
  priority_tier: "Priority tier",
  unpriced_model: "Unpriced model",
  idle_key: "Idle key",
  unusual_key: "Unusual key",
};

/** A kind in words; a kind this build does not know yet is spelled from its name. */
export function kindLabel(kind: string): string {
  return (ADVICE_KIND_LABELS as Record<string, string>)[kind] ?? humanize(kind);
}

/** "cache_write_5m_tokens" -> "Cache write 5m tokens". */
export function humanize(key: string): string {
  const text = key.replace(/_/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export type ScopePart = { label: string; value: string };

/** What a recommendation applies to: the account and provider, then the key, workspace and model it names. */
export function scopeParts(scope: AdviceScope): ScopePart[] {
  const parts: ScopePart[] = [{ label: "Account", value: `${scope.account_name} (${providerLabel(scope.provider)})` }];
  if (scope.api_key_id || scope.api_key_name) parts.push({ label: "API key", value: scope.api_key_name ?? scope.api_key_id ?? "" });
  if (scope.workspace_id || scope.workspace_name) {
    parts.push({ label: scope.provider === "openai" ? "Project" : "Workspace", value: scope.workspace_name ?? scope.workspace_id ?? "" });
  } else if (scope.api_key_id) {
    parts.push({ label: scope.provider === "openai" ? "Project" : "Workspace", value: "default" });
  }
  if (scope.model) parts.push({ label: "Model", value: scope.model });
  return parts;
}

function providerLabel(provider: string): string {
  return PROVIDERS.find((p) => p.value === provider)?.label ?? provider;
}

export type EvidenceValue =
  | { kind: "money"; amount: string }
  | { kind: "band"; band: Band }
  | { kind: "text"; text: string }
  | { kind: "list"; items: string[] }
  | { kind: "links"; urls: string[] }
  | { kind: "group"; entries: EvidenceEntry[] };

export type EvidenceEntry = { key: string; label: string; value: EvidenceValue };

/** Labels where the key's own words would read badly. */
const LABELS: Record<string, string> = {
  daily_cost_cv: "Daily spend variation (coefficient)",
  top_4_hours_share: "Share in its 4 busiest hours",
  busiest_hours: "Busiest hours",
  cv: "Variation",
  geos: "Inference geographies",
  new_key: "New key",
  tokenizer_known: "Tokenizer ratio reviewed",
  last_used_month: "Last used",
  months_checked_before: "Months checked before",
};

const MONEY_KEY = /(^|_)(cost|premium|savings|amount)$|^cost_at_|^spend(_|$)/;

/**
 * The evidence as entries in the API's order. Amounts (keys naming a cost, premium or spend) are money,
 * shares (keys ending in _share) percents, {low, expected, high} a band, {from, to} a range of days,
 * sources lists of links; other objects are nested groups.
 */
export function evidenceEntries(evidence: Record<string, unknown>): EvidenceEntry[] {
  return Object.entries(evidence).map(([key, value]) => ({ key, label: LABELS[key] ?? humanize(key), value: evidenceValue(key, value) }));
}

function evidenceValue(key: string, value: unknown): EvidenceValue {
  if (value == null) return { kind: "text", text: "none" };
  if (typeof value === "boolean") return { kind: "text", text: value ? "yes" : "no" };
  if (typeof value === "number") return { kind: "text", text: Number.isInteger(value) ? formatInt(value) : String(value) };
  if (typeof value === "string") {
    if (key.endsWith("_share") && isMoney(value)) return { kind: "text", text: formatShare(value) };
    if (MONEY_KEY.test(key) && isMoney(value)) return { kind: "money", amount: value };
    return { kind: "text", text: value };
  }
  if (Array.isArray(value)) {
    if (key === "sources" && value.every((v) => typeof v === "string")) return { kind: "links", urls: value as string[] };
    if (key === "busiest_hours" && value.every((v) => typeof v === "number")) {
      return { kind: "text", text: value.map((h) => `${String(h).padStart(2, "0")}:00`).join(", ") };
    }
    if (!value.length) return { kind: "text", text: "none" };
    const items = value.map((v) => scalarText(v));
    return items.some((t) => t.length > 60) ? { kind: "list", items } : { kind: "text", text: items.join(", ") };
  }
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    if (isMoney(o.low) && isMoney(o.expected) && isMoney(o.high)) return { kind: "band", band: { low: o.low, expected: o.expected, high: o.high } };
    if (typeof o.from === "string" && typeof o.to === "string" && Object.keys(o).length === 2) return { kind: "text", text: `${o.from} to ${o.to}` };
    if (typeof o.provider === "string" && typeof o.model === "string" && Object.keys(o).length === 2) return { kind: "text", text: `${o.provider}/${o.model}` };
    return { kind: "group", entries: evidenceEntries(o) };
  }
  return { kind: "text", text: String(value) };
}

function scalarText(v: unknown): string {
  if (v == null) return "none";
  if (typeof v === "number") return Number.isInteger(v) ? formatInt(v) : String(v);
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/** A link target the page may render: http(s) only (a javascript: or data: URL stays text). */
export function safeHref(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}
