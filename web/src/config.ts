// Runtime configuration, read from /config.json beside the app: the same build runs locally (make run)
// and in the cloud (Terraform writes config.json next to the files it uploads).

export type FirebaseWebConfig = {
  apiKey: string;
  authDomain: string;
  projectId: string;
  /** Identity Platform multi-tenancy: the auth tenant users sign in to, when there is one. */
  tenantId?: string;
};

export type AppConfig = {
  /** Base URL of the API, without /v1 (http://127.0.0.1:8080, https://api-...run.app). */
  api_base_url: string;
  auth: "local" | "firebase";
  firebase?: FirebaseWebConfig;
  /** Local mode: where the development sign-in issues tokens (POST {user_id}). */
  local_sign_in_url?: string;
  /** Local mode: the user id the sign-in form suggests. */
  local_default_user?: string;
  /** The tenant to suggest when the API cannot list the user's tenants. */
  default_tenant?: string;
};

export class ConfigError extends Error {}

export function parseConfig(raw: unknown): AppConfig {
  if (typeof raw !== "object" || raw === null) throw new ConfigError("config.json is not a JSON object");
  const c = raw as Record<string, unknown>;
  if (typeof c.api_base_url !== "string" || !/^https?:\/\//.test(c.api_base_url)) {
    throw new ConfigError("config.json: api_base_url must be an http(s) URL");
  }
  if (c.auth !== "local" && c.auth !== "firebase") {
    throw new ConfigError('config.json: auth must be "local" or "firebase"');
  }
  if (c.auth === "firebase") {
    const f = c.firebase as Record<string, unknown> | undefined;
    if (!f || typeof f.apiKey !== "string" || typeof f.authDomain !== "string" || typeof f.projectId !== "string") {
      throw new ConfigError("config.json: firebase needs apiKey, authDomain and projectId");
    }
  }
  return c as unknown as AppConfig;
}

export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch("/config.json", { cache: "no-store" });
  if (!response.ok) throw new ConfigError(`config.json could not be loaded (${response.status})`);
  return parseConfig(await response.json());
}
