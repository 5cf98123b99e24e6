// Shapes of endpoints the backend lead has announced but not yet published in /v1/openapi.json. The
// pages that use them answer "not available yet" while the API says 404. When an endpoint lands,
// `make web-client` generates its real type into schema.d.ts: replace the type here with it, and the
// TypeScript build shows every place that read the shape differently.
import type { Money } from "../lib/money";
import type { Tokens } from "./client";

export type Role = "owner" | "admin" | "viewer";

/** GET /v1/me */
export type Me = {
  user_id: string;
  tenants: { id: string; name: string; role: Role }[];
};

/** The `coverage` object of GET /v1/usage. */
export type Coverage = { complete: boolean; missing_days: string[] };

export type CostBand = { low: Money; expected: Money; high: Money };

/** GET /v1/whatif?from&to&target_model */
export type WhatIfRow = {
  source_model: string;
  tokens: Tokens | number;
  actual_cost: Money | null;
  target_cost: CostBand | null;
  method: string;
};

export type WhatIfResponse = {
  from: string;
  to: string;
  target_model: string;
  rows: WhatIfRow[];
  totals: { actual_cost: Money; target_cost: CostBand };
  not_comparable: { model: string; reason: string }[];
};

/** GET /v1/whatif/suggestions?from&to */
export type WhatIfSuggestions = {
  suggestions: { target_model: string; reason?: string; savings?: CostBand | Money | null }[];
};

/** GET /v1/advice?from&to&account_id */
export type Recommendation = {
  kind: string;
  title: string;
  scope: Record<string, string | null> | string;
  evidence: string | Record<string, unknown> | unknown[];
  monthly_savings: Money | CostBand | null;
  confidence: { level: "low" | "medium" | "high" | string; why: string };
  method: string;
};

export type AdviceResponse = { recommendations: Recommendation[] };

/** Dimensions the usage API groups by today, and those announced (provider). */
export const PROPOSED_GROUP_FIELDS = ["provider"] as const;
/** Filters announced for GET /v1/usage (repeatable). */
export const USAGE_FILTERS = ["provider", "model", "api_key", "workspace", "service_tier"] as const;
export type UsageFilter = (typeof USAGE_FILTERS)[number];
