// What every page needs: the configuration, who is signed in, the chosen tenant, the API client and
// the signed-in user's role in that tenant.
import { useQuery } from "@tanstack/react-query";
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { ApiError, createApi, unwrap, type Api, type Credentials, type Role } from "./api/client";
import type { Authenticator, SignedIn } from "./auth/session";
import type { AppConfig } from "./config";

const TENANT_KEY = "tm.tenant";

type AppState = {
  config: AppConfig;
  auth: Authenticator;
  user: SignedIn | null;
  setUser: (user: SignedIn | null) => void;
  tenant: string | null;
  setTenant: (tenant: string | null) => void;
  api: Api;
  credentials: Credentials;
};

const Ctx = createContext<AppState | null>(null);

export function AppStateProvider(props: {
  config: AppConfig;
  auth: Authenticator;
  initialUser: SignedIn | null;
  children: ReactNode;
}) {
  const [user, setUser] = useState<SignedIn | null>(props.initialUser);
  const [tenant, setTenantState] = useState<string | null>(() => localStorage.getItem(TENANT_KEY));
  const value = useMemo<AppState>(() => {
    const credentials: Credentials = {
      token: async () => {
        if (!user) throw new ApiError(401, "unauthenticated", "Sign in first.");
        return user.token();
      },
      tenant: () => tenant,
    };
    return {
      config: props.config,
      auth: props.auth,
      user,
      setUser,
      tenant,
      setTenant: (t) => {
        if (t) localStorage.setItem(TENANT_KEY, t);
        else localStorage.removeItem(TENANT_KEY);
        setTenantState(t);
      },
      api: createApi(props.config.api_base_url, credentials),
      credentials,
    };
  }, [props.config, props.auth, user, tenant]);
  return <Ctx.Provider value={value}>{props.children}</Ctx.Provider>;
}

export function useApp(): AppState {
  const state = useContext(Ctx);
  if (!state) throw new Error("useApp outside AppStateProvider");
  return state;
}

/** GET /v1/me: the signed-in user's organizations and role in each (asked for no tenant in particular). */
export function useMe() {
  const { config, credentials, user } = useApp();
  return useQuery({
    queryKey: ["me", user?.userId],
    enabled: !!user,
    staleTime: 60_000,
    queryFn: async () => unwrap(await createApi(config.api_base_url, { ...credentials, tenant: () => null }).GET("/v1/me")),
  });
}

export type Access = {
  role: Role | null;
  canWrite: boolean;
  isOwner: boolean;
  loading: boolean;
};

/** The signed-in user's role in the chosen tenant: from /v1/me, else from the member list. */
export function useAccess(): Access {
  const { api, tenant, user } = useApp();
  const me = useMe();
  const fromMe = me.data?.tenants.find((t) => t.id === tenant)?.role ?? null;
  const members = useQuery({
    queryKey: ["members", tenant],
    enabled: !!tenant && !!user && me.isFetched && !fromMe,
    staleTime: 30_000,
    queryFn: async () => unwrap(await api.GET("/v1/members")),
  });
  const role = fromMe ?? ((members.data?.members.find((m) => m.user_id === user?.userId)?.role as Role | undefined) ?? null);
  return {
    role,
    canWrite: role === "owner" || role === "admin",
    isOwner: role === "owner",
    loading: me.isLoading || (!fromMe && members.isLoading),
  };
}
