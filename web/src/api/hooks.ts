// Data hooks over the typed client (TanStack Query: caching, de-duplication, polling, retries).
import { useMutation, useQuery, useQueryClient, type UseQueryOptions } from "@tanstack/react-query";
import { useApp } from "../state";
import {
  unwrap,
  type Account,
  type AdviceResponse,
  type GroupField,
  type Provider,
  type ReconciliationResponse,
  type SuggestionsResponse,
  type UsageResponse,
  type WhatIfResponse,
} from "./client";
import type { paths } from "./schema";

/** The repeatable filters of a selection of usage (usage, its exports, what-if, suggestions). */
export const SELECTION_FILTERS = ["provider", "model", "api_key", "workspace"] as const;
export type SelectionFilter = (typeof SELECTION_FILTERS)[number];
/** The usage view's filters: the selection's and the service tier. */
export const USAGE_FILTERS = [...SELECTION_FILTERS, "service_tier"] as const;
export type UsageFilter = (typeof USAGE_FILTERS)[number];

export type Selection = {
  from: string;
  to: string;
  account_id?: string;
  time_zone?: string;
  filters?: Partial<Record<UsageFilter, string[]>>;
};

export type UsageParams = Selection & { group_by?: GroupField[] };

type UsageQuery = NonNullable<paths["/v1/usage"]["get"]["parameters"]["query"]>;
type SelectionQuery = NonNullable<paths["/v1/whatif/suggestions"]["get"]["parameters"]["query"]>;

/**
 * A selection as the API's query: each filter a list of non-empty values (a comma inside a value would
 * separate values, so values are split on it here too), lists of distinct values, nothing empty sent.
 */
export function selectionQuery(p: Selection, filters: readonly UsageFilter[] = SELECTION_FILTERS): SelectionQuery & { service_tier?: string[] } {
  const out: SelectionQuery & { service_tier?: string[] } = { from: p.from, to: p.to };
  if (p.account_id) out.account_id = p.account_id;
  if (p.time_zone) out.time_zone = p.time_zone as SelectionQuery["time_zone"];
  for (const name of filters) {
    const values = distinct((p.filters?.[name] ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean));
    if (!values.length) continue;
    if (name === "provider") out.provider = values as Provider[];
    else out[name] = values;
  }
  return out;
}

/** The query of GET /v1/usage: also what the CSV export endpoints take. group_by values are distinct. */
export function usageQuery(p: UsageParams): UsageQuery {
  const out: UsageQuery = selectionQuery(p, USAGE_FILTERS);
  const groups = distinct(p.group_by ?? []);
  if (groups.length) out.group_by = groups;
  return out;
}

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

export function useUsage(p: UsageParams | null, options: Partial<UseQueryOptions<UsageResponse, Error>> = {}) {
  const { api, tenant } = useApp();
  return useQuery<UsageResponse, Error>({
    queryKey: ["usage", tenant, p],
    enabled: !!p,
    staleTime: 60_000,
    queryFn: async () => unwrap(await api.GET("/v1/usage", { params: { query: usageQuery(p!) } })),
    ...options,
  });
}

export function useSettings() {
  const { api, tenant } = useApp();
  return useQuery({
    queryKey: ["settings", tenant],
    enabled: !!tenant,
    staleTime: 5 * 60_000,
    queryFn: async () => unwrap(await api.GET("/v1/settings")),
  });
}

export function useTenant() {
  const { api, tenant } = useApp();
  return useQuery({
    queryKey: ["tenant", tenant],
    enabled: !!tenant,
    staleTime: 5 * 60_000,
    queryFn: async () => unwrap(await api.GET("/v1/tenant")),
  });
}

function accountsBusy(accounts: Account[] | undefined): boolean {
  return !!accounts?.some((a) => a.status === "syncing" || (!a.history.complete && a.status !== "error"));
}

export function useAccounts(includeDisconnected = false) {
  const { api, tenant } = useApp();
  return useQuery({
    queryKey: ["accounts", tenant, includeDisconnected],
    enabled: !!tenant,
    queryFn: async () =>
      unwrap(await api.GET("/v1/accounts", { params: { query: { include_disconnected: includeDisconnected } } })).accounts,
    // While an account imports or syncs, watch it move.
    refetchInterval: (q) => (accountsBusy(q.state.data) ? 2000 : 60_000),
  });
}

export function useReconciliation(from: string, to: string, accountId?: string, provider?: Provider) {
  const { api, tenant } = useApp();
  return useQuery<ReconciliationResponse, Error>({
    queryKey: ["reconciliation", tenant, from, to, accountId, provider],
    staleTime: 60_000,
    queryFn: async () =>
      unwrap(
        await api.GET("/v1/reconciliation", {
          params: { query: { from, to, account_id: accountId || undefined, provider } },
        }),
      ),
  });
}

export function useBudgets() {
  const { api, tenant } = useApp();
  return useQuery({
    queryKey: ["budgets", tenant],
    queryFn: async () => unwrap(await api.GET("/v1/budgets")).budgets,
  });
}

export function useChannels() {
  const { api, tenant } = useApp();
  return useQuery({
    queryKey: ["channels", tenant],
    queryFn: async () => unwrap(await api.GET("/v1/alert-channels")).channels,
  });
}

export function useAlerts(limit = 50) {
  const { api, tenant } = useApp();
  return useQuery({
    queryKey: ["alerts", tenant, limit],
    queryFn: async () => unwrap(await api.GET("/v1/alerts", { params: { query: { limit } } })).alerts,
  });
}

export function useMembers() {
  const { api, tenant } = useApp();
  return useQuery({
    queryKey: ["members", tenant],
    staleTime: 30_000,
    queryFn: async () => unwrap(await api.GET("/v1/members")),
  });
}

export function useRateCards() {
  const { api, tenant } = useApp();
  return useQuery({
    queryKey: ["rate-cards", tenant],
    queryFn: async () => unwrap(await api.GET("/v1/rate-cards")).rate_cards,
  });
}

export function useAudit(enabled: boolean) {
  const { api, tenant } = useApp();
  return useQuery({
    queryKey: ["audit", tenant],
    enabled,
    queryFn: async () => unwrap(await api.GET("/v1/audit", { params: { query: { limit: 50 } } })).entries,
  });
}

export function useWhatIf(selection: Selection | null, target: string | null) {
  const { api, tenant } = useApp();
  return useQuery<WhatIfResponse, Error>({
    queryKey: ["whatif", tenant, selection, target],
    enabled: !!selection && !!target,
    staleTime: 60_000,
    queryFn: async () =>
      unwrap(await api.GET("/v1/whatif", { params: { query: { ...selectionQuery(selection!), target_model: target! } } })),
  });
}

export function useWhatIfSuggestions(selection: Selection | null) {
  const { api, tenant } = useApp();
  return useQuery<SuggestionsResponse, Error>({
    queryKey: ["whatif-suggestions", tenant, selection],
    enabled: !!selection,
    staleTime: 60_000,
    queryFn: async () => unwrap(await api.GET("/v1/whatif/suggestions", { params: { query: selectionQuery(selection!) } })),
  });
}

/** Advice over whole UTC days (from and to), or the API's default period when they are left out. */
export function useAdvice(period: { from: string; to: string } | null, accountId?: string) {
  const { api, tenant } = useApp();
  return useQuery<AdviceResponse, Error>({
    queryKey: ["advice", tenant, period, accountId],
    enabled: !!period,
    staleTime: 60_000,
    queryFn: async () =>
      unwrap(await api.GET("/v1/advice", { params: { query: { from: period!.from, to: period!.to, account_id: accountId || undefined } } })),
  });
}

/** A mutation whose success refreshes the given queries. */
export function useApiMutation<TVars, TData>(fn: (vars: TVars) => Promise<TData>, invalidate: string[]) {
  const client = useQueryClient();
  const { tenant } = useApp();
  return useMutation<TData, Error, TVars>({
    mutationFn: fn,
    onSuccess: () => Promise.all(invalidate.map((k) => client.invalidateQueries({ queryKey: [k, tenant] }))),
  });
}
