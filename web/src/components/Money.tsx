import { formatUsd } from "../lib/money";

/** A USD amount rounded to the cent; the exact decimal is in its title. Unpriced is said, never $0. */
export function Money(props: { value: string | null | undefined; testId?: string; className?: string }) {
  if (props.value == null) {
    return (
      <span className={`unpriced ${props.className ?? ""}`} data-testid={props.testId} title="No known price for these tokens: not counted as $0">
        unpriced
      </span>
    );
  }
  return (
    <span className={`money ${props.className ?? ""}`} data-testid={props.testId} data-exact={props.value} title={`$${props.value} exactly`}>
      {formatUsd(props.value)}
    </span>
  );
}
