// A sortable table (TanStack Table: headless, so the markup, keyboard use and labels are ours) with a
// "Download CSV" of exactly the rows and columns shown, amounts as the API's exact decimals.
import {
  createColumnHelper,
  createSortedRowModel,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type RowData,
  type SortFn,
} from "@tanstack/react-table";
import Big from "big.js";
import { useMemo, useState, type ReactNode } from "react";
import { downloadCsv, type CsvValue } from "../lib/csv";
import { Money } from "./Money";

export type Column<T> = {
  id: string;
  header: string;
  /** The raw value: sorted on, and written to the CSV. */
  value: (row: T) => string | number | boolean | null | undefined;
  render?: (row: T) => ReactNode;
  kind?: "text" | "number" | "money";
  /** Left out of the CSV (actions). */
  noCsv?: boolean;
  /** In the CSV but not on screen. */
  hidden?: boolean;
};

const features = tableFeatures({ rowSortingFeature, sortedRowModel: createSortedRowModel() });

function compareValues(a: unknown, b: unknown, money: boolean): number {
  if (a == null || a === "") return b == null || b === "" ? 0 : -1;
  if (b == null || b === "") return 1;
  if (money) return new Big(a as string).cmp(b as string);
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

export function DataTable<T extends RowData>(props: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  csvName: string;
  footer?: (T | null)[];
  testId?: string;
  rowKey?: (row: T, index: number) => string;
  emptyText?: string;
  initialSort?: { id: string; desc: boolean };
  /** Rows shown before "Show all" (the CSV always has every row). */
  pageSize?: number;
}) {
  const helper = createColumnHelper<typeof features, T>();
  const columns = useMemo(
    () =>
      props.columns.map((c) => {
        const sortFn: SortFn<typeof features, T> = (ra, rb, id) =>
          compareValues(ra.getValue(id), rb.getValue(id), c.kind === "money");
        return helper.accessor((row: T): unknown => c.value(row), {
          id: c.id,
          header: c.header,
          sortFn,
          sortUndefined: "last",
        });
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [props.columns],
  );
  const [sorting, setSorting] = useState(props.initialSort ? [props.initialSort] : []);
  const table = useTable({
    features,
    columns,
    data: props.rows,
    state: { sorting },
    onSortingChange: setSorting,
  });
  const byId = useMemo(() => new Map(props.columns.map((c) => [c.id, c])), [props.columns]);
  const csvColumns = props.columns.filter((c) => !c.noCsv);
  const shown = props.columns.filter((c) => !c.hidden);
  const [showAll, setShowAll] = useState(false);
  const limit = props.pageSize ?? 100;
  const sortedRows = table.getRowModel().rows;
  const visibleRows = showAll ? sortedRows : sortedRows.slice(0, limit);

  function exportCsv() {
    const rows = table.getRowModel().rows.map((r) => csvColumns.map((c) => c.value(r.original) as CsvValue));
    downloadCsv(props.csvName, csvColumns.map((c) => c.id), rows);
  }

  function cell(c: Column<T>, row: T): ReactNode {
    if (c.render) return c.render(row);
    const v = c.value(row);
    if (c.kind === "money") return <Money value={v as string | null} />;
    if (c.kind === "number" && typeof v === "number") return v.toLocaleString("en");
    return v == null ? "" : String(v);
  }

  return (
    <div className="table-block" data-testid={props.testId}>
      <div className="table-tools">
        <button type="button" className="secondary" onClick={exportCsv} disabled={!props.rows.length}>
          Download CSV<span className="visually-hidden"> of {props.caption}</span>
        </button>
      </div>
      <div className="table-scroll" tabIndex={0} role="region" aria-label={props.caption}>
        <table>
          <caption>{props.caption}</caption>
          <thead>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.filter((h) => !byId.get(h.column.id)?.hidden).map((header) => {
                  const c = byId.get(header.column.id)!;
                  const sorted = header.column.getIsSorted();
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      className={c.kind && c.kind !== "text" ? "num" : undefined}
                      aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}
                    >
                      <button type="button" className="sort" onClick={header.column.getToggleSortingHandler()}>
                        {c.header}
                        <span aria-hidden="true">{sorted === "asc" ? " ▲" : sorted === "desc" ? " ▼" : ""}</span>
                      </button>
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {visibleRows.map((row, i) => (
              <tr key={props.rowKey ? props.rowKey(row.original, i) : row.id}>
                {shown.map((c) => (
                  <td key={c.id} className={c.kind && c.kind !== "text" ? "num" : undefined} data-col={c.id}>
                    {cell(c, row.original)}
                  </td>
                ))}
              </tr>
            ))}
            {!props.rows.length && (
              <tr>
                <td colSpan={shown.length} className="empty">
                  {props.emptyText ?? "Nothing in this range."}
                </td>
              </tr>
            )}
          </tbody>
          {props.footer && props.rows.length > 0 && (showAll || sortedRows.length <= limit) && (
            <tfoot>
              {props.footer.map((f, i) =>
                f ? (
                  <tr key={i}>
                    {shown.map((c) => (
                      <td key={c.id} className={c.kind && c.kind !== "text" ? "num" : undefined} data-col={c.id}>
                        {cell(c, f)}
                      </td>
                    ))}
                  </tr>
                ) : null,
              )}
            </tfoot>
          )}
        </table>
      </div>
      {sortedRows.length > limit && (
        <p className="table-more">
          {showAll ? `All ${sortedRows.length} rows.` : `The first ${limit} of ${sortedRows.length} rows.`}{" "}
          <button type="button" className="secondary" onClick={() => setShowAll(!showAll)}>
            {showAll ? `Show the first ${limit}` : `Show all ${sortedRows.length} rows`}
          </button>
        </p>
      )}
    </div>
  );
}
