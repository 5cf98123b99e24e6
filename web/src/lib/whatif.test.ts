import { describe, expect, it } from "vitest";
import type { ModelWhatIf, UsageRow } from "../api/client";
import { classLines, filterChoices, modelActualCost, notComparableCost, savingsText } from "./whatif";

const zeroTokens = { uncached_input: 0, cache_write_5m: 0, cache_write_1h: 0, cache_read: 0, output: 0, web_search_requests: 0 };

describe("what-if", () => {
  it("never shows usage without a source price as $0", () => {
    expect(notComparableCost({ usage_class: "all", quantity: 19309739, actual_cost: null, reason: "no price for the source usage: ..." })).toBeNull();
    expect(notComparableCost({ usage_class: "characters", quantity: 1650330, actual_cost: "49.5099", reason: "gpt-5 has no characters price" })).toBe("49.5099");
    expect(notComparableCost({ usage_class: "all", quantity: 10, actual_cost: "3.2", reason: "prompts over 200k tokens do not fit" })).toBe("3.2");
  });
  it("says a wholly unpriced model is unpriced, and a free one costs $0", () => {
    const m = { model_ref: null, actual_cost: null } as ModelWhatIf;
    expect(modelActualCost(m)).toBeNull();
    expect(modelActualCost({ ...m, model_ref: "moderation", actual_cost: "0" })).toBe("0");
  });
  it("lists the classes used on either side", () => {
    const m = {
      tokens: { ...zeroTokens, uncached_input: 100, cache_write_5m: 40, output: 7 },
      target_tokens: { ...zeroTokens, uncached_input: 140, output: 7 },
    } as unknown as ModelWhatIf;
    expect(classLines(m)).toEqual([
      { key: "uncached_input", label: "Input (uncached)", source: 100, target: 140 },
      { key: "cache_write_5m", label: "Cache write 5 m", source: 40, target: 0 },
      { key: "output", label: "Output", source: 7, target: 7 },
    ]);
  });
  it("offers the models, keys and workspaces of the usage, the keyless and default ones as null", () => {
    const rows = [
      { provider: "anthropic", model: "claude-opus-4-6", api_key_id: "apikey_1", api_key_name: "backend", workspace_id: null, workspace_name: null },
      { provider: "openai", model: "gpt-5", api_key_id: null, api_key_name: null, workspace_id: "proj_1", workspace_name: "Research" },
      { provider: "openai", model: "gpt-5", api_key_id: "key_2", api_key_name: null, workspace_id: "proj_1", workspace_name: "Research" },
    ] as UsageRow[];
    expect(filterChoices(rows)).toEqual({
      models: [
        { value: "claude-opus-4-6", label: "claude-opus-4-6 (anthropic)" },
        { value: "gpt-5", label: "gpt-5 (openai)" },
      ],
      apiKeys: [
        { value: "apikey_1", label: "backend" },
        { value: "key_2", label: "key_2" },
        { value: "null", label: "No key (Console, Workbench)" },
      ],
      workspaces: [
        { value: "null", label: "Default workspace or project" },
        { value: "proj_1", label: "Research" },
      ],
    });
  });
  it("words savings the right way round", () => {
    expect(savingsText("842.1339495")).toBe("saves $842.13");
    expect(savingsText("-5052.803697")).toBe("costs $5,052.80 more");
    expect(savingsText("0.001")).toBe("no change");
  });
});
