import { describe, expect, it } from "vitest";
import { formatCost, formatSignedUsd, formatUsd, percentChange, sum, toCents } from "./money";

describe("money", () => {
  it("rounds half to even at the cent, like the backend", () => {
    expect(toCents("0.125")).toBe("0.12");
    expect(toCents("0.135")).toBe("0.14");
    expect(toCents("0.1250001")).toBe("0.13");
    expect(toCents("0")).toBe("0.00");
  });
  it("sums exactly where floats would not", () => {
    expect(sum(["0.1", "0.2"])).toBe("0.3");
    expect(sum(["123456789.000001", "0.000009", null])).toBe("123456789.00001");
  });
  it("formats with separators and never shows unpriced as $0", () => {
    expect(formatUsd("1234567.891")).toBe("$1,234,567.89");
    expect(formatUsd("-0.104")).toBe("-$0.10");
    expect(formatUsd("-0.001")).toBe("$0.00");
    expect(formatCost(null)).toBe("unpriced");
    expect(formatSignedUsd("1.2")).toBe("+$1.20");
    expect(formatSignedUsd("-0.003")).toBe("$0.00");
  });
  it("computes percent change from decimals", () => {
    expect(percentChange("150", "100")).toBe("50.0");
    expect(percentChange("1", "0")).toBeNull();
  });
});
