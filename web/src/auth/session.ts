// Who is signed in. Two sign-ins behind one interface: the local development sign-in (a token from the
// local token issuer, kept for this browser tab) and Firebase Authentication / Identity Platform (email
// link or Google), whose SDK is loaded only when the configuration asks for it.
import type { AppConfig } from "../config";

export type SignedIn = {
  userId: string;
  email: string | null;
  token: () => Promise<string>;
};

export interface Authenticator {
  /** The current user, or null; resolves once the sign-in state is known. */
  current(): Promise<SignedIn | null>;
  signOut(): Promise<void>;
}

const LOCAL_TOKEN = "tm.local.token";

function decodeJwtPayload(token: string): Record<string, unknown> | null {
  try {
    const part = token.split(".")[1];
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return null;
  }
}

function localUser(token: string): SignedIn | null {
  const claims = decodeJwtPayload(token);
  if (!claims || typeof claims.sub !== "string") return null;
  if (typeof claims.exp === "number" && claims.exp * 1000 < Date.now()) return null;
  return { userId: claims.sub, email: typeof claims.email === "string" ? claims.email : null, token: async () => token };
}

export class LocalAuthenticator implements Authenticator {
  constructor(private readonly signInUrl: string) {}

  async current(): Promise<SignedIn | null> {
    const token = sessionStorage.getItem(LOCAL_TOKEN);
    return token ? localUser(token) : null;
  }

  async signIn(userId: string): Promise<SignedIn> {
    const response = await fetch(this.signInUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user_id: userId }),
    });
    const body = (await response.json().catch(() => ({}))) as { token?: string; error?: { message?: string } };
    if (!response.ok || !body.token) throw new Error(body.error?.message ?? `Sign-in failed (${response.status})`);
    const user = localUser(body.token);
    if (!user) throw new Error("The sign-in answered a token that cannot be read");
    sessionStorage.setItem(LOCAL_TOKEN, body.token);
    return user;
  }

  async signOut(): Promise<void> {
    sessionStorage.removeItem(LOCAL_TOKEN);
  }
}

export function createAuthenticator(config: AppConfig): Authenticator {
  if (config.auth === "local") return new LocalAuthenticator(config.local_sign_in_url ?? "/local/sign-in");
  // The Firebase SDK is a separate chunk: local runs never download it.
  return new LazyFirebase(config);
}

class LazyFirebase implements Authenticator {
  private impl: Promise<import("./firebase").FirebaseAuthenticator>;

  constructor(config: AppConfig) {
    this.impl = import("./firebase").then((m) => new m.FirebaseAuthenticator(config.firebase!));
  }

  async current(): Promise<SignedIn | null> {
    return (await this.impl).current();
  }

  async signOut(): Promise<void> {
    return (await this.impl).signOut();
  }

  async firebase(): Promise<import("./firebase").FirebaseAuthenticator> {
    return this.impl;
  }
}

export function isFirebase(a: Authenticator): a is Authenticator & { firebase(): Promise<import("./firebase").FirebaseAuthenticator> } {
  return a instanceof LazyFirebase;
}

export function isLocal(a: Authenticator): a is LocalAuthenticator {
  return a instanceof LocalAuthenticator;
}
