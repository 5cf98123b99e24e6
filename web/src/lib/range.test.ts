import { describe, expect, it } from "vitest";
import { adviceWindow, clampToPlan, resolveRange } from "./range";

describe("ranges", () => {
  const now = new Date("2026-11-30T11:00:00Z");
  it("advice reads the last complete UTC days, up to yesterday", () => {
    expect(adviceWindow(30, 365, now)).toEqual({ from: "2026-10-31", to: "2026-11-29", clamped: false });
    expect(adviceWindow(7, undefined, now)).toEqual({ from: "2026-11-23", to: "2026-11-29", clamped: false });
  });
  it("advice starts no earlier than the plan keeps", () => {
    expect(adviceWindow(30, 10, now)).toEqual({ from: "2026-11-20", to: "2026-11-29", clamped: true });
  });
  it("presets are clamped to the plan, custom ranges are left to the API", () => {
    expect(clampToPlan(resolveRange("30d", "2026-11-30"), "2026-11-20")).toEqual({ preset: "30d", from: "2026-11-20", to: "2026-11-30", clampedFrom: "2026-11-01" });
    const custom = resolveRange("custom", "2026-11-30", { from: "2026-01-01", to: "2026-01-31" });
    expect(clampToPlan(custom, "2026-11-20")).toBe(custom);
  });
});
