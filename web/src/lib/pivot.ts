// Usage rows (one per group and period) into chart series and points, with exact decimal sums.
import type { UsageRow } from "../api/client";
import type { Point, Series } from "../components/StackedChart";
import { groupKey, groupName, type Dimension } from "./dims";
import { compare, sum } from "./money";

type Acc = { label: string; costs: string[]; unpriced: boolean; priced: boolean };

function add(acc: Acc, row: UsageRow) {
  if (row.total_cost != null) {
    acc.costs.push(row.total_cost);
    acc.priced = true;
  }
  if (row.unpriced) acc.unpriced = true;
}

function total(acc: Acc): string | null {
  return acc.priced ? sum(acc.costs) : acc.unpriced ? null : "0";
}

export const OTHER = "__other__";

/**
 * @param periodOf the row's period (its day, week or hour), or "" for a single bar
 * @param periods every period to show, in order (days without usage get an empty bar)
 */
export function pivot(
  rows: UsageRow[],
  dim: Dimension,
  periodOf: (row: UsageRow) => string,
  periods: { x: string; label: string }[],
  maxSeries = 8,
): { series: Series[]; points: Point[] } {
  const groups = new Map<string, Acc>();
  for (const row of rows) {
    const k = groupKey(row, dim);
    let acc = groups.get(k);
    if (!acc) groups.set(k, (acc = { label: groupName(row, dim), costs: [], unpriced: false, priced: false }));
    add(acc, row);
  }
  const ranked = [...groups.entries()].sort((a, b) => compare(total(b[1]) ?? "0", total(a[1]) ?? "0") || a[1].label.localeCompare(b[1].label));
  const shown = ranked.length > maxSeries ? ranked.slice(0, maxSeries - 1) : ranked;
  const keyOf = new Map<string, string>(shown.map(([k], i) => [k, `s${i}`]));
  const series: Series[] = shown.map(([, acc], i) => ({ key: `s${i}`, label: acc.label, total: total(acc), unpriced: acc.unpriced }));
  if (ranked.length > shown.length) {
    const other: Acc = { label: `${ranked.length - shown.length} others`, costs: [], unpriced: false, priced: false };
    for (const [, acc] of ranked.slice(shown.length)) {
      other.costs.push(...acc.costs);
      other.unpriced ||= acc.unpriced;
      other.priced ||= acc.priced;
    }
    series.push({ key: OTHER, label: other.label, total: total(other), unpriced: other.unpriced });
  }
  const cells = new Map<string, Map<string, Acc>>();
  for (const row of rows) {
    const p = periodOf(row);
    const s = keyOf.get(groupKey(row, dim)) ?? OTHER;
    let byS = cells.get(p);
    if (!byS) cells.set(p, (byS = new Map()));
    let acc = byS.get(s);
    if (!acc) byS.set(s, (acc = { label: "", costs: [], unpriced: false, priced: false }));
    add(acc, row);
  }
  const points: Point[] = periods.map(({ x, label }) => {
    const values: Record<string, string | null> = {};
    for (const [s, acc] of cells.get(x) ?? []) values[s] = total(acc);
    return { x, label, values };
  });
  return { series, points };
}
