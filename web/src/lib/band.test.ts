import { describe, expect, it } from "vitest";
import { formatBand, formatRatio, formatShare, formatTokenizer, isPoint } from "./band";

describe("bands", () => {
  it("shows low – high and the expected figure, rounded to the cent for display only", () => {
    expect(formatBand({ low: "262.186666666666666666666667", expected: "281.15", high: "289.6649999" })).toBe(
      "$262.19 – $289.66, expected $281.15",
    );
    expect(formatBand({ low: "1234.5", expected: "1300", high: "1400.005" })).toBe("$1,234.50 – $1,400.00, expected $1,300.00");
  });
  it("is one figure when the band rounds to a single cent", () => {
    const band = { low: "12.3451", expected: "12.348", high: "12.3549" };
    expect(isPoint(band)).toBe(true);
    expect(formatBand(band)).toBe("$12.35");
    expect(isPoint({ low: "1", expected: "1.5", high: "2" })).toBe(false);
  });
  it("signs differences when asked", () => {
    expect(formatBand({ low: "-20", expected: "-8.004", high: "5.1" }, { signed: true })).toBe("-$20.00 – +$5.10, expected -$8.00");
  });
  it("rounds ratios and shares for reading", () => {
    expect(formatRatio("1.0869565217391304347826087")).toBe("1.087");
    expect(formatRatio("1.000000")).toBe("1");
    expect(formatRatio("0.9")).toBe("0.9");
    expect(formatRatio("12")).toBe("12");
    expect(formatShare("0.85234")).toBe("85.2%");
    expect(formatShare("1")).toBe("100%");
    expect(formatShare("0")).toBe("0%");
  });
  it("says how sure the tokenizer ratio is", () => {
    expect(formatTokenizer({ known: true, derived: false, low: "1", expected: "1", high: "1" })).toBe("×1");
    expect(formatTokenizer({ known: true, derived: false, low: "1.02", expected: "1.0869565", high: "1.15" })).toBe("×1.087 (1.02 – 1.15)");
    expect(formatTokenizer({ known: true, derived: true, low: "0.8", expected: "0.9", high: "1" })).toBe(
      "×0.9 (0.8 – 1), derived through another tokenizer",
    );
    expect(formatTokenizer({ known: false, derived: false, low: "1", expected: "1", high: "1" })).toBe("×1 assumed: no reviewed ratio for this pair");
  });
});
