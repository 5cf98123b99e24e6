import { describe, expect, it } from "vitest";
import { ADVICE_KIND_LABELS, evidenceEntries, humanize, kindLabel, safeHref, scopeParts } from "./advice";

describe("advice kinds", () => {
  it("names every kind the API has in words", () => {
    expect(kindLabel("batch")).toBe("Batch API");
    expect(kindLabel("right_sizing")).toBe("Right-sizing");
    expect(kindLabel("idle_key")).toBe("Idle key");
    for (const label of Object.values(ADVICE_KIND_LABELS)) expect(label).not.toContain("_");
  });
  it("spells an unknown kind from its name", () => {
    expect(kindLabel("model_routing")).toBe("Model routing");
    expect(humanize("cache_write_5m_tokens")).toBe("Cache write 5m tokens");
  });
});

describe("advice scope", () => {
  const base = {
    account_id: "acc_1",
    account_name: "Prod",
    provider: "anthropic",
    api_key_id: null,
    api_key_name: null,
    workspace_id: null,
    workspace_name: null,
    model: null,
  };
  it("names the account, key, workspace and model it is about", () => {
    expect(
      scopeParts({ ...base, api_key_id: "apikey_1", api_key_name: "nightly-etl", workspace_id: "wrkspc_1", workspace_name: "Research", model: "claude-haiku-4-5" }),
    ).toEqual([
      { label: "Account", value: "Prod (Anthropic)" },
      { label: "API key", value: "nightly-etl" },
      { label: "Workspace", value: "Research" },
      { label: "Model", value: "claude-haiku-4-5" },
    ]);
  });
  it("says the default project of an OpenAI key, and only the account for account-wide advice", () => {
    expect(scopeParts({ ...base, provider: "openai", api_key_id: "key_1", api_key_name: "legacy-idle" })).toEqual([
      { label: "Account", value: "Prod (OpenAI)" },
      { label: "API key", value: "legacy-idle" },
      { label: "Project", value: "default" },
    ]);
    expect(scopeParts({ ...base, model: "claude-mystery-1" })).toEqual([
      { label: "Account", value: "Prod (Anthropic)" },
      { label: "Model", value: "claude-mystery-1" },
    ]);
  });
});

describe("advice evidence", () => {
  it("shows amounts as money, shares as percents and counts with separators", () => {
    const entries = evidenceEntries({
      off_hours_share: "1",
      busiest_hours: [1, 3, 2, 4],
      days_with_usage: 10,
      daily_cost_cv: "0.021",
      standard_tier_cost: "270.410859",
      spend_since: "223.506862425",
      cost_at_base_rates: "12.5",
      models_without_batch_price: [],
      new_key: true,
      last_used_month: null,
    });
    expect(entries.map((e) => [e.label, e.value])).toEqual([
      ["Off hours share", { kind: "text", text: "100%" }],
      ["Busiest hours", { kind: "text", text: "01:00, 03:00, 02:00, 04:00" }],
      ["Days with usage", { kind: "text", text: "10" }],
      ["Daily spend variation (coefficient)", { kind: "text", text: "0.021" }],
      ["Standard tier cost", { kind: "money", amount: "270.410859" }],
      ["Spend since", { kind: "money", amount: "223.506862425" }],
      ["Cost at base rates", { kind: "money", amount: "12.5" }],
      ["Models without batch price", { kind: "text", text: "none" }],
      ["New key", { kind: "text", text: "yes" }],
      ["Last used", { kind: "text", text: "none" }],
    ]);
  });
  it("reads bands, periods, targets, sources and nested groups", () => {
    const entries = evidenceEntries({
      target: { provider: "anthropic", model: "claude-haiku-4-5" },
      target_cost: { low: "1", expected: "2", high: "3" },
      period: { from: "2026-11-20", to: "2026-11-29" },
      uncached_input_tokens: 159320680,
      peer: { basis: "benchmark", sources: ["https://example.org/a"] },
    });
    expect(entries[0].value).toEqual({ kind: "text", text: "anthropic/claude-haiku-4-5" });
    expect(entries[1].value).toEqual({ kind: "band", band: { low: "1", expected: "2", high: "3" } });
    expect(entries[2].value).toEqual({ kind: "text", text: "2026-11-20 to 2026-11-29" });
    expect(entries[3].value).toEqual({ kind: "text", text: "159,320,680" });
    expect(entries[4].value).toEqual({
      kind: "group",
      entries: [
        { key: "basis", label: "Basis", value: { kind: "text", text: "benchmark" } },
        { key: "sources", label: "Sources", value: { kind: "links", urls: ["https://example.org/a"] } },
      ],
    });
  });
  it("lists long texts one per line", () => {
    const long = "code_interpreter unpriced: from 2026-03-31 containers bill per 20-minute session by memory size";
    expect(evidenceEntries({ reasons: [long] })[0].value).toEqual({ kind: "list", items: [long] });
  });
});

describe("links", () => {
  it("renders only http(s) URLs as links", () => {
    expect(safeHref("https://agentbeck.bot/report/100393")).toBe("https://agentbeck.bot/report/100393");
    expect(safeHref("javascript:alert(1)")).toBeNull();
    expect(safeHref("data:text/html,hi")).toBeNull();
    expect(safeHref("not a url")).toBeNull();
  });
});
