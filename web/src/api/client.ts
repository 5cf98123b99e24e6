// The one way the app talks to the API: openapi-fetch over the types generated from /v1/openapi.json
// (src/api/schema.d.ts, `make web-client`). A middleware adds the bearer token and the tenant header.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Account = Schemas["AccountOut"];
export type UsageResponse = Schemas["UsageResponse"];
export type UsageRow = Schemas["UsageRowOut"];
export type Tokens = Schemas["Tokens"];
export type ReconciliationResponse = Schemas["ReconciliationResponse"];
export type Budget = Schemas["BudgetOut"];
export type BudgetIn = Schemas["BudgetIn"];
export type Channel = Schemas["ChannelOut"];
export type ChannelIn = Schemas["ChannelIn"];
export type AlertOut = Schemas["AlertOut"];
export type Member = Schemas["MemberOut"];
export type Tenant = Schemas["TenantOut"];
export type RateCard = Schemas["RateCardIn"];
export type AuditEntry = Schemas["AuditEntryOut"];
export type GroupField = NonNullable<NonNullable<paths["/v1/usage"]["get"]["parameters"]["query"]>["group_by"]>[number];
export type Provider = Schemas["TargetOut"]["provider"];
export type Settings = Schemas["SettingsOut"];
export type Me = Schemas["MeOut"];
export type Role = Schemas["MyTenant"]["role"];
export type WhatIfResponse = Schemas["WhatIfResponse"];
export type ModelWhatIf = Schemas["ModelWhatIfOut"];
export type NotComparableLine = Schemas["NotComparableLine"];
export type SuggestionsResponse = Schemas["SuggestionsResponse"];
export type SuggestedModel = Schemas["SuggestedModel"];
export type Alternative = Schemas["AlternativeOut"];
export type AdviceResponse = Schemas["AdviceResponse"];
export type Advice = Schemas["AdviceOut"];
export type AdviceKind = Advice["kind"];
export type AdviceScope = Schemas["AdviceScopeOut"];
export type BudgetScope = NonNullable<BudgetIn["scope"]>;
export type AlertKind = NonNullable<ChannelIn["kinds"]>[number];

/** Every provider the API knows (a Record over its union: one added to the API fails the build until named). */
const PROVIDER_LABELS: Record<Provider, string> = { anthropic: "Anthropic", openai: "OpenAI" };
/** The providers, in the order pages list them. */
export const PROVIDERS: readonly { value: Provider; label: string }[] = (Object.keys(PROVIDER_LABELS) as Provider[]).map((value) => ({
  value,
  label: PROVIDER_LABELS[value],
}));

/** An error answer of the API, with its message as the API wrote it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }

}

export type Credentials = {
  token: () => Promise<string>;
  tenant: () => string | null;
};

export type Api = Client<paths>;

export function createApi(baseUrl: string, credentials: Credentials): Api {
  const client = createClient<paths>({ baseUrl: baseUrl.replace(/\/$/, "") });
  const auth: Middleware = {
    async onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${await credentials.token()}`);
      const tenant = credentials.tenant();
      if (tenant) request.headers.set("X-Tenant-Id", tenant);
      return request;
    },
  };
  client.use(auth);
  return client;
}

type ErrorBody = { error?: { code?: string; message?: string; field?: string | null } };

export function toApiError(status: number, body: unknown): ApiError {
  const e = (body as ErrorBody | undefined)?.error;
  if (e?.message) return new ApiError(status, e.code ?? "error", e.message, e.field ?? null);
  return new ApiError(status, "error", `The API answered ${status}.`);
}

/** The data of an openapi-fetch answer, or the API's error thrown as an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok) return result.data as T;
  throw toApiError(result.response.status, result.error);
}

export function queryString(params: Record<string, string | string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === "") continue;
    for (const item of Array.isArray(v) ? v : [v]) search.append(k, item);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export async function fetchWithAuth(
  baseUrl: string,
  credentials: Credentials,
  path: string,
  params: Record<string, string | string[] | undefined> = {},
): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${await credentials.token()}` };
  const tenant = credentials.tenant();
  if (tenant) headers["X-Tenant-Id"] = tenant;
  return fetch(`${baseUrl.replace(/\/$/, "")}${path}${queryString(params)}`, { headers });
}
