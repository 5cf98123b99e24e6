// Calendar days are ISO strings ("2026-11-30"). Arithmetic on them goes through UTC midnight, where a
// day is always 24 hours, so no local clock or DST change can shift a date.

export type IsoDay = string;

function parse(day: IsoDay): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function format(date: Date): IsoDay {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: IsoDay, n: number): IsoDay {
  const d = parse(day);
  d.setUTCDate(d.getUTCDate() + n);
  return format(d);
}

export function daysBetween(from: IsoDay, to: IsoDay): number {
  return Math.round((parse(to).getTime() - parse(from).getTime()) / 86_400_000);
}

/** Every day from `from` to `to`, inclusive. */
export function eachDay(from: IsoDay, to: IsoDay): IsoDay[] {
  const out: IsoDay[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

export function monthStart(day: IsoDay): IsoDay {
  return `${day.slice(0, 7)}-01`;
}

export function monthEnd(day: IsoDay): IsoDay {
  const d = parse(monthStart(day));
  d.setUTCMonth(d.getUTCMonth() + 1);
  d.setUTCDate(0);
  return format(d);
}

export function previousMonth(day: IsoDay): IsoDay {
  return monthStart(addDays(monthStart(day), -1));
}

export function daysInMonth(day: IsoDay): number {
  return Number(monthEnd(day).slice(8, 10));
}

export function minDay(a: IsoDay, b: IsoDay): IsoDay {
  return a < b ? a : b;
}

export function maxDay(a: IsoDay, b: IsoDay): IsoDay {
  return a > b ? a : b;
}

export function isIsoDay(value: string | null | undefined): value is IsoDay {
  return !!value && /^\d{4}-\d{2}-\d{2}$/.test(value) && format(parse(value)) === value;
}

export function isIsoMonth(value: string | null | undefined): value is string {
  return !!value && /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
}

/** Today's date in an IANA time zone (the tenant's: days are cut there). */
export function todayIn(timeZone: string, now: Date = new Date()): IsoDay {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  } catch {
    return format(now);
  }
}

const monthNames = new Intl.DateTimeFormat("en", { month: "long", year: "numeric", timeZone: "UTC" });
const shortDay = new Intl.DateTimeFormat("en", { month: "short", day: "numeric", timeZone: "UTC" });

export function monthLabel(day: IsoDay): string {
  return monthNames.format(parse(day));
}

export function shortDayLabel(day: IsoDay): string {
  return shortDay.format(parse(day));
}

/** A UTC instant shown in a time zone: "30 Nov 2026, 09:00". */
export function formatInstant(iso: string | null | undefined, timeZone = "UTC"): string {
  if (!iso) return "never";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    return new Intl.DateTimeFormat("en-GB", {
      timeZone,
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    }).format(d);
  } catch {
    return iso;
  }
}

/** The hour of a UTC instant in a zone: "14:00". */
export function hourLabel(iso: string, timeZone = "UTC"): string {
  try {
    return new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
  } catch {
    return iso.slice(11, 16);
  }
}

/** "in 25 min", "3 h ago" */
export function relative(iso: string | null | undefined, now: Date = new Date()): string {
  if (!iso) return "";
  const ms = new Date(iso).getTime() - now.getTime();
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const text = minutes < 60 ? `${minutes} min` : minutes < 48 * 60 ? `${Math.round(minutes / 60)} h` : `${Math.round(minutes / 1440)} d`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}
