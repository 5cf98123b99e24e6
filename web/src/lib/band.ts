// Figures that are a band (low / expected / high) because the same text is a different number of tokens on
// another model's tokenizer. The API gives exact decimals (some repeat for many digits, 1/3 of a cent...):
// they are rounded here for display only, the exact values stay in data-exact and in CSVs.
import Big from "big.js";
import type { Schemas } from "../api/client";
import { formatSignedUsd, formatUsd } from "./money";

export type Band = Schemas["Band"];
export type Tokenizer = Schemas["TokenizerOut"];

const HALF_EVEN = 2;

/**
 * "$262.19 – $289.66, expected $281.15"; a single amount when the band rounds to one cent.
 * `signed` writes differences as "+$1.20" / "-$0.03".
 */
export function formatBand(band: Band, options: { signed?: boolean } = {}): string {
  const format = options.signed ? formatSignedUsd : formatUsd;
  const low = format(band.low);
  const high = format(band.high);
  const expected = format(band.expected);
  if (low === high) return expected;
  return `${low} – ${high}, expected ${expected}`;
}

/** A band's width is under a cent once rounded: it is one figure. */
export function isPoint(band: Band): boolean {
  return formatUsd(band.low) === formatUsd(band.high);
}

/** A ratio for reading: at most three decimals, trailing zeros dropped ("1.0869565…" -> "1.087", "1.000" -> "1"). */
export function formatRatio(value: string, places = 3): string {
  return new Big(value).round(places, HALF_EVEN).toFixed().replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
}

/** A share of 1 as a percent with up to one decimal ("0.8523" -> "85.2%", "1" -> "100%"). */
export function formatShare(value: string | number): string {
  return `${formatRatio(new Big(value).times(100).toFixed(), 1)}%`;
}

/**
 * The tokenizer band in words: target tokens per source token for the same text.
 * "1 (same tokenizer)", "×1.087 (1.02 – 1.15)", "×1 assumed: no reviewed ratio for this pair".
 */
export function formatTokenizer(t: Tokenizer): string {
  if (!t.known) return "×1 assumed: no reviewed ratio for this pair";
  const expected = formatRatio(t.expected);
  const low = formatRatio(t.low);
  const high = formatRatio(t.high);
  const range = low === high ? `×${expected}` : `×${expected} (${low} – ${high})`;
  return t.derived ? `${range}, derived through another tokenizer` : range;
}
