// The dimensions usage can be grouped by, and how a group is named on screen.
import type { UsageRow } from "../api/client";

export type Dimension = "model" | "api_key" | "workspace" | "account" | "service_tier" | "provider";
export type TimeGrain = "day" | "week" | "hour";

export const DIMENSIONS: { value: Dimension; label: string }[] = [
  { value: "model", label: "Model" },
  { value: "provider", label: "Provider" },
  { value: "api_key", label: "API key" },
  { value: "workspace", label: "Workspace" },
  { value: "account", label: "Account" },
  { value: "service_tier", label: "Service tier" },
];

export function dimensionLabel(d: string): string {
  return DIMENSIONS.find((x) => x.value === d)?.label ?? d;
}

/** The name of a row's group along one dimension. */
export function groupName(row: UsageRow, d: Dimension): string {
  switch (d) {
    case "model":
      return row.model ?? "(unknown model)";
    case "api_key":
      return row.api_key_name ?? row.api_key_id ?? "Console/Workbench";
    case "workspace":
      return row.workspace_name ?? row.workspace_id ?? "Default workspace";
    case "account":
      return row.account_name ?? row.account_id ?? "";
    case "service_tier":
      return row.service_tier ?? "";
    case "provider":
      return row.provider ?? "";
  }
}

/** A stable key of a row's group along one dimension (ids, not names). */
export function groupKey(row: UsageRow, d: Dimension): string {
  switch (d) {
    case "api_key":
      return `${row.account_id ?? ""}/${row.api_key_id ?? "console"}`;
    case "workspace":
      return `${row.account_id ?? ""}/${row.workspace_id ?? "default"}`;
    case "account":
      return row.account_id ?? "";
    default:
      return groupName(row, d);
  }
}

/**
 * Token (and other quantity) classes, in display order, with their labels. The API may add classes (as it
 * does for OpenAI's audio and images): a class it answers that is not listed here still shows, after these,
 * under its own name. The table's CSV names each column as the API does (`output`, `output_cost`).
 */
export const QUANTITY_CLASSES: { key: string; label: string; cost: string }[] = [
  { key: "uncached_input", label: "Input (uncached)", cost: "uncached_input" },
  { key: "cache_write_5m", label: "Cache write 5 m", cost: "cache_write_5m" },
  { key: "cache_write_1h", label: "Cache write 1 h", cost: "cache_write_1h" },
  { key: "cache_read", label: "Cache read", cost: "cache_read" },
  { key: "output", label: "Output", cost: "output" },
  { key: "web_search_requests", label: "Web searches", cost: "web_search" },
];

export function classLabel(key: string): string {
  const known = QUANTITY_CLASSES.find((c) => c.key === key);
  if (known) return known.label;
  const text = key.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
