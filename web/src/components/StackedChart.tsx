// A stacked bar chart (Recharts, SVG) of cost per period and group. Bar heights use numbers; every figure
// a person reads (tooltip, legend totals) is formatted from the API's exact decimal strings.
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatUsd, toChartNumber } from "../lib/money";
import { Money } from "./Money";

// Okabe-Ito and Tableau colours: told apart with the common colour-vision deficiencies.
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7F7F7F", "#8C564B", "#17BECF"];

export type Series = { key: string; label: string; total: string | null; unpriced?: boolean };
export type Point = { x: string; label: string; values: Record<string, string | null> };

type TooltipEntry = { dataKey?: unknown; value?: unknown; color?: string; payload?: Record<string, unknown> };

function ChartTooltip(props: { active?: boolean; payload?: TooltipEntry[]; label?: unknown; series: Series[] }) {
  if (!props.active || !props.payload?.length) return null;
  const point = props.payload[0].payload as { label: string; exact: Record<string, string | null> };
  const names = new Map(props.series.map((s) => [s.key, s.label]));
  return (
    <div className="chart-tooltip">
      <strong>{point.label}</strong>
      <ul>
        {[...props.payload].reverse().map((p) => {
          const key = String(p.dataKey);
          const exact = point.exact[key];
          if (exact === undefined) return null;
          return (
            <li key={key}>
              <span className="swatch" style={{ background: p.color }} aria-hidden="true" /> {names.get(key)}:{" "}
              {exact === null ? "unpriced" : formatUsd(exact)}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

export function StackedChart(props: { title: string; series: Series[]; points: Point[]; testId?: string; height?: number }) {
  const data = props.points.map((p) => {
    const row: Record<string, unknown> = { x: p.x, label: p.label, exact: p.values };
    for (const s of props.series) row[s.key] = toChartNumber(p.values[s.key]);
    return row;
  });
  const color = (i: number) => PALETTE[i % PALETTE.length];
  return (
    <figure className="chart" data-testid={props.testId}>
      <figcaption className="visually-hidden">{props.title}; the figures are in the legend and the table below.</figcaption>
      <div className="chart-canvas" role="img" aria-label={`${props.title}: a stacked bar chart, ${props.points.length} bars`}>
        <ResponsiveContainer width="100%" height={props.height ?? 280}>
          <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 12 }} interval="preserveStartEnd" minTickGap={12} />
            <YAxis tick={{ fontSize: 12 }} width={64} tickFormatter={(v: number) => `$${v.toLocaleString("en", { maximumFractionDigits: 2 })}`} />
            <Tooltip content={<ChartTooltip series={props.series} />} />
            {props.series.map((s, i) => (
              <Bar key={s.key} dataKey={s.key} stackId="cost" fill={color(i)} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <ul className="legend" aria-label="Total per group">
        {props.series.map((s, i) => (
          <li key={s.key} data-testid="series" data-series={s.label}>
            <span className="swatch" style={{ background: color(i) }} aria-hidden="true" />
            <span className="series-name">{s.label}</span>{" "}
            <Money value={s.total} testId="series-total" />
            {s.unpriced && s.total !== null && <span className="unpriced"> + unpriced</span>}
          </li>
        ))}
      </ul>
    </figure>
  );
}
