// The columns of a usage table: the group's fields, tokens per class, cost per class (in the CSV),
// list and effective cost, and what is unpriced.
import type { UsageRow } from "../api/client";
import type { Column } from "../components/DataTable";
import { Money } from "../components/Money";
import { hourLabel } from "./dates";
import { classLabel, QUANTITY_CLASSES, type Dimension } from "./dims";

type Row = UsageRow;

type Counts = Record<string, number | undefined>;
type Amounts = Record<string, string | undefined>;

/** The quantity and cost classes to show for these rows: the usual ones, and any other the API answered non-zero. */
export function classesIn(rows: Row[]): { quantities: string[]; costs: string[] } {
  const quantities = QUANTITY_CLASSES.map((c) => c.key);
  const costs = QUANTITY_CLASSES.map((c) => c.cost);
  for (const r of rows) {
    for (const [k, v] of Object.entries(r.tokens as Counts)) if (v && !quantities.includes(k)) quantities.push(k);
    for (const [k, v] of Object.entries((r.cost ?? {}) as Amounts)) if (v && v !== "0" && !costs.includes(k)) costs.push(k);
  }
  return { quantities, costs };
}

export function usageColumns(
  dims: Dimension[],
  time: "day" | "week" | "hour" | null,
  opts: { timeZone?: string; costPerClass?: boolean; tokens?: boolean; rows?: Row[] } = {},
): Column<Row>[] {
  const cols: Column<Row>[] = [];
  if (time === "day") cols.push({ id: "day", header: "Day", value: (r) => r.day });
  if (time === "week") cols.push({ id: "week", header: "Week of", value: (r) => r.week });
  if (time === "hour")
    cols.push({
      id: "hour",
      header: `Hour (${opts.timeZone ?? "UTC"})`,
      value: (r) => r.hour,
      render: (r) => (r.hour ? `${r.hour.slice(0, 10)} ${hourLabel(r.hour, opts.timeZone)}` : ""),
    });
  for (const d of dims) {
    if (d === "model") cols.push({ id: "model", header: "Model", value: (r) => r.model });
    if (d === "provider") cols.push({ id: "provider", header: "Provider", value: (r) => r.provider });
    if (d === "service_tier") cols.push({ id: "service_tier", header: "Service tier", value: (r) => r.service_tier });
    if (d === "account") {
      cols.push({ id: "account_name", header: "Account", value: (r) => r.account_name });
      cols.push({ id: "account_id", header: "Account id", value: (r) => r.account_id, hidden: true });
    }
    if (d === "api_key") {
      cols.push({ id: "api_key_name", header: "API key", value: (r) => r.api_key_name });
      cols.push({ id: "api_key_id", header: "API key id", value: (r) => r.api_key_id, hidden: true });
    }
    if (d === "workspace") {
      cols.push({ id: "workspace_name", header: "Workspace", value: (r) => r.workspace_name });
      cols.push({ id: "workspace_id", header: "Workspace id", value: (r) => r.workspace_id, hidden: true });
    }
  }
  const classes = classesIn(opts.rows ?? []);
  for (const key of classes.quantities) {
    cols.push({
      id: key,
      header: classLabel(key),
      value: (r) => (r.tokens as Counts)[key] ?? 0,
      kind: "number",
      hidden: opts.tokens === false,
    });
  }
  for (const key of classes.costs) {
    cols.push({
      id: `${key}_cost`,
      header: `${classLabel(QUANTITY_CLASSES.find((c) => c.cost === key)?.key ?? key)} $`,
      value: (r) => (r.cost == null ? null : ((r.cost as Amounts)[key] ?? "0")),
      kind: "money",
      hidden: !opts.costPerClass,
    });
  }
  cols.push({ id: "total_cost", header: "Cost (list)", value: (r) => r.total_cost, kind: "money" });
  cols.push({
    id: "effective_cost",
    header: "Cost (after rate cards)",
    value: (r) => r.effective_cost ?? r.total_cost,
    kind: "money",
  });
  cols.push({
    id: "unpriced_tokens",
    header: "Unpriced tokens",
    value: (r) => r.unpriced_tokens,
    kind: "number",
    render: (r) =>
      r.unpriced_tokens ? (
        <span className="unpriced" title={`No known price for ${r.unpriced_models.join(", ")}`}>
          {r.unpriced_tokens.toLocaleString("en")}
        </span>
      ) : (
        "0"
      ),
  });
  return cols;
}

export function TotalCost(props: { row: UsageRow; testId?: string }) {
  return (
    <>
      <Money value={props.row.total_cost} testId={props.testId} />
      {props.row.unpriced && props.row.total_cost != null && <span className="unpriced"> + unpriced</span>}
    </>
  );
}
