// CSV of a table, as RFC 4180 says: comma-separated, CRLF lines, fields quoted when they need it.
// Amounts go out as the API's exact decimal strings, not as the rounded figures on screen.

export type CsvValue = string | number | boolean | null | undefined;

function field(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  // A leading =, +, - or @ would be a formula to a spreadsheet; amounts (digits) are left alone.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(header: string[], rows: CsvValue[][]): string {
  return [header, ...rows].map((r) => r.map(field).join(",")).join("\r\n") + "\r\n";
}

export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function downloadCsv(filename: string, header: string[], rows: CsvValue[][]): void {
  downloadBlob(new Blob([toCsv(header, rows)], { type: "text/csv;charset=utf-8" }), filename);
}
