// Time ranges by preset, in the tenant's days, clamped to what the plan keeps.
import { addDays, isIsoDay, maxDay, minDay, monthEnd, monthStart, previousMonth, todayIn } from "./dates";

export const PRESETS = [
  { value: "today", label: "Today" },
  { value: "7d", label: "7 days" },
  { value: "30d", label: "30 days" },
  { value: "mtd", label: "Month to date" },
  { value: "last_month", label: "Last month" },
  { value: "custom", label: "Custom" },
] as const;

export type Preset = (typeof PRESETS)[number]["value"];

export type Range = { from: string; to: string; preset: Preset; clampedFrom?: string };

export function resolveRange(preset: Preset, today: string, custom?: { from?: string | null; to?: string | null }): Range {
  switch (preset) {
    case "today":
      return { preset, from: today, to: today };
    case "7d":
      return { preset, from: addDays(today, -6), to: today };
    case "30d":
      return { preset, from: addDays(today, -29), to: today };
    case "mtd":
      return { preset, from: monthStart(today), to: today };
    case "last_month": {
      const start = previousMonth(today);
      return { preset, from: start, to: monthEnd(start) };
    }
    case "custom": {
      const from = isIsoDay(custom?.from) ? custom!.from! : addDays(today, -6);
      const to = isIsoDay(custom?.to) ? custom!.to! : today;
      return { preset, from, to };
    }
  }
}

/** The first day the plan still keeps (the API counts it from today in UTC). */
export function planEarliest(historyDays: number | undefined, now: Date = new Date()): string | null {
  return historyDays ? addDays(todayIn("UTC", now), -historyDays) : null;
}

/** Presets start no earlier than the plan keeps (a custom range is left for the API to judge). */
export function clampToPlan(range: Range, earliest: string | null): Range {
  if (!earliest || range.preset === "custom" || range.from >= earliest) return range;
  return { ...range, from: maxDay(range.from, earliest), clampedFrom: range.from };
}

export function isPreset(v: string | null): v is Preset {
  return PRESETS.some((p) => p.value === v);
}

/**
 * The advice period: the last `days` complete UTC days (advice reads whole UTC days, up to yesterday), from no
 * earlier than the plan keeps (the API refuses older days).
 */
export function adviceWindow(days: number, historyDays: number | undefined, now: Date = new Date()): { from: string; to: string; clamped: boolean } {
  const to = addDays(todayIn("UTC", now), -1);
  const from = addDays(to, -(days - 1));
  const earliest = planEarliest(historyDays, now);
  return earliest && from < earliest ? { from: minDay(earliest, to), to, clamped: true } : { from, to, clamped: false };
}
