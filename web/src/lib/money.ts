// Money arrives from the API as exact decimal strings (USD). It is never turned into a JS number for
// anything a person reads: sums use big.js (exact decimals), and display rounds to the cent with
// banker's rounding, as the backend's `to_cents` does.
import Big from "big.js";

const HALF_EVEN = 2; // big.js rounding mode: ROUND_HALF_EVEN

export type Money = string;

export function isMoney(value: unknown): value is Money {
  return typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value);
}

/** Exact sum of decimal strings; null entries (unpriced) are skipped. */
export function sum(values: Iterable<Money | null | undefined>): Money {
  let total = new Big(0);
  for (const v of values) if (v != null) total = total.plus(v);
  return total.toFixed();
}

export function minus(a: Money, b: Money): Money {
  return new Big(a).minus(b).toFixed();
}

export function times(a: Money, b: Money | number): Money {
  return new Big(a).times(b).toFixed();
}

export function divide(a: Money, b: Money | number, places = 10): Money {
  if (new Big(b).eq(0)) return "0";
  return new Big(a).div(b).round(places, HALF_EVEN).toFixed();
}

export function compare(a: Money, b: Money): number {
  return new Big(a).cmp(b);
}

/** The amount rounded to the cent, as a plain decimal string ("1234.57", "-0.10"). */
export function toCents(amount: Money): string {
  return new Big(amount).round(2, HALF_EVEN).toFixed(2);
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** "$1,234.57"; negative amounts as "-$0.10". */
export function formatUsd(amount: Money): string {
  const cents = toCents(amount);
  const negative = cents.startsWith("-");
  const [whole, fraction] = (negative ? cents.slice(1) : cents).split(".");
  const text = `$${groupThousands(whole)}.${fraction}`;
  return negative && cents !== "-0.00" ? `-${text}` : text;
}

/** A USD amount for display, or "unpriced" when the API has no price for it (never $0). */
export function formatCost(amount: Money | null | undefined): string {
  return amount == null ? "unpriced" : formatUsd(amount);
}

/** Signed, for differences: "+$1.20", "-$0.03", "$0.00". */
export function formatSignedUsd(amount: Money): string {
  const c = toCents(amount);
  if (new Big(c).eq(0)) return "$0.00";
  return c.startsWith("-") ? formatUsd(amount) : `+${formatUsd(amount)}`;
}

/** A number for chart geometry only (bar heights); never shown as text. */
export function toChartNumber(amount: Money | null | undefined): number {
  return amount == null ? 0 : Number(amount);
}

export function formatInt(value: number): string {
  return groupThousands(String(Math.trunc(value)));
}

/** Percent change from `before` to `after` with one decimal, or null when before is zero. */
export function percentChange(after: Money, before: Money): string | null {
  const b = new Big(before);
  if (b.eq(0)) return null;
  return new Big(after).minus(b).div(b).times(100).round(1, HALF_EVEN).toFixed(1);
}
