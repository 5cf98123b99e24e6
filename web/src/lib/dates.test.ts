import { describe, expect, it } from "vitest";
import { addDays, eachDay, monthEnd, previousMonth, todayIn } from "./dates";

describe("dates", () => {
  it("does calendar arithmetic on ISO days", () => {
    expect(addDays("2026-03-28", 3)).toBe("2026-03-31");
    expect(monthEnd("2028-02-10")).toBe("2028-02-29");
    expect(previousMonth("2026-01-15")).toBe("2025-12-01");
    expect(eachDay("2026-10-30", "2026-11-02")).toEqual(["2026-10-30", "2026-10-31", "2026-11-01", "2026-11-02"]);
  });
  it("finds today in the tenant's zone", () => {
    const instant = new Date("2026-11-30T23:30:00Z");
    expect(todayIn("UTC", instant)).toBe("2026-11-30");
    expect(todayIn("Europe/Paris", instant)).toBe("2026-12-01");
    expect(todayIn("America/Los_Angeles", instant)).toBe("2026-11-30");
  });
});
