// Enumerations of the API that the app needs as values (a select's options), not only as types. The time
// zones come from the OpenAPI document at build time (vite.config.ts defines __API_TIME_ZONES__), so the
// select offers exactly what PUT /v1/settings takes.
import type { components } from "./schema";

export type TimeZone = NonNullable<components["schemas"]["SettingsBody"]["time_zone"]>;

declare const __API_TIME_ZONES__: readonly TimeZone[];

/** Every IANA zone name the API takes, as its OpenAPI document lists them. */
export const TIME_ZONES: readonly TimeZone[] = __API_TIME_ZONES__;

export function isTimeZone(value: string): value is TimeZone {
  return (TIME_ZONES as readonly string[]).includes(value);
}
