import { describe, expect, it } from "vitest";
import type { UsageRow } from "../api/client";
import { pivot } from "./pivot";

// The classes every row has; the API may answer more (the cast keeps this fixture valid when it does).
const tokens = { uncached_input: 1, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0, output: 1, web_search_requests: 0 } as unknown as UsageRow["tokens"];

function row(model: string, day: string, total: string | null, unpriced = false): UsageRow {
  return { model, day, tokens, cost: null, total_cost: total, unpriced, unpriced_tokens: unpriced ? 2 : 0, unpriced_models: unpriced ? [model] : [] };
}

describe("pivot", () => {
  it("sums each series exactly and ranks them", () => {
    const rows = [row("a", "d1", "0.1"), row("a", "d2", "0.2"), row("b", "d1", "1"), row("c", "d2", null, true)];
    const { series, points } = pivot(rows, "model", (r) => r.day!, [{ x: "d1", label: "1" }, { x: "d2", label: "2" }]);
    expect(series.map((s) => [s.label, s.total])).toEqual([["b", "1"], ["a", "0.3"], ["c", null]]);
    expect(points[1].values).toEqual({ s1: "0.2", s2: null });
  });
  it("folds the tail into one series", () => {
    const rows = ["a", "b", "c"].map((m, i) => row(m, "d1", String(i + 1)));
    const { series } = pivot(rows, "model", (r) => r.day!, [{ x: "d1", label: "1" }], 2);
    expect(series.map((s) => [s.label, s.total])).toEqual([["c", "3"], ["2 others", "3"]]);
  });
});
