// Data hooks over the typed client (TanStack Query: caching, de-duplication, polling, retries).
import { useMutation, useQuery, useQueryClient, type UseQueryOptions } from "@tanstack/react-query";
import { useApp } from "../state";
import { ApiError, callProposed, unwrap, type Account, type ReconciliationResponse, type UsageResponse } from "./client";
import type { AdviceResponse, Coverage, UsageFilter, WhatIfResponse, WhatIfSuggestions } from "./proposed";

export type UsageParams = {
  from: string;
  to: string;
  group_by?: string[];
  account_id?: string;
  time_zone?: string;
  filters?: Partial<Record<UsageFilter, string[]>>;
};

export type Usage = UsageResponse & { coverage?: Coverage };

/** The query of GET /v1/usage: also what the CSV export endpoints take. */
export function usageQuery(p: UsageParams): Record<string, string | string[] | undefined> {
  return {
    from: p.from,
    to: p.to,
    group_by: p.group_by && p.group_by.length ? p.group_by.join(",") : undefined,
    account_id: p.account_id || undefined,
    time_zone: p.time_zone || undefined,
    ...Object.fromEntries(Object.entries(p.filters ?? {}).filter(([, v]) => v && v.length)),
  };
}

export function useUsage(p: UsageParams | null, options: Partial<UseQueryOptions<Usage, Error>> = {}) {
  const { api, tenant } = useApp();
  return useQuery<Usage, Error>({
    queryKey: ["usage", tenant, p],
    enabled: !!p,
    staleTime: 60_000,
    queryFn: async () => {
      // Filters beyond account_id are announced for /v1/usage but not yet in the generated types.
      const query = usageQuery(p!) as Record<string, string>;
      return unwrap(await api.GET("/v1/usage", { params: { query: query as never } })) as Usage;
    },
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

export function useReconciliation(from: string, to: string, accountId?: string) {
  const { api, tenant } = useApp();
  return useQuery<ReconciliationResponse, Error>({
    queryKey: ["reconciliation", tenant, from, to, accountId],
    staleTime: 60_000,
    queryFn: async () =>
      unwrap(await api.GET("/v1/reconciliation", { params: { query: { from, to, account_id: accountId } } })),
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

/** A proposed endpoint: null while the API answers 404 (not available yet). */
function useProposed<T>(key: unknown[], path: string, params: Record<string, string | undefined>, enabled = true) {
  const { config, credentials, tenant } = useApp();
  return useQuery<T | null, Error>({
    queryKey: [path, tenant, ...key],
    enabled,
    staleTime: 60_000,
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    queryFn: async () => {
      try {
        return await callProposed<T>(config.api_base_url, credentials, path, params);
      } catch (e) {
        if (e instanceof ApiError && e.notAvailable) return null;
        throw e;
      }
    },
  });
}

export function useWhatIf(from: string, to: string, target: string | null) {
  return useProposed<WhatIfResponse>([from, to, target], "/v1/whatif", { from, to, target_model: target ?? undefined }, !!target);
}

export function useWhatIfSuggestions(from: string, to: string) {
  return useProposed<WhatIfSuggestions>([from, to], "/v1/whatif/suggestions", { from, to });
}

export function useAdvice(from: string, to: string, accountId?: string) {
  return useProposed<AdviceResponse>([from, to, accountId], "/v1/advice", { from, to, account_id: accountId });
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
