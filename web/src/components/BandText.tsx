import { formatBand, type Band } from "../lib/band";

/**
 * A band rounded to the cent ("$262.19 – $289.66, expected $281.15"); the exact decimals are in its data
 * attributes and its title. `signed` writes differences with their sign.
 */
export function BandText(props: { band: Band; signed?: boolean; testId?: string }) {
  const b = props.band;
  return (
    <span
      className="band"
      data-testid={props.testId}
      data-low={b.low}
      data-expected={b.expected}
      data-high={b.high}
      title={`low $${b.low}, expected $${b.expected}, high $${b.high} exactly`}
    >
      {formatBand(b, { signed: props.signed })}
    </span>
  );
}
