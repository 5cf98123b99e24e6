import { useState, type FormEvent } from "react";
import { Navigate, useNavigate } from "react-router";
import { isFirebase, isLocal } from "../auth/session";
import { ErrorBox } from "../components/Status";
import { useApp } from "../state";

export function SignInPage() {
  const { auth, config, user, setUser } = useApp();
  const navigate = useNavigate();
  const [userId, setUserId] = useState(config.local_default_user ?? "");
  const [email, setEmail] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [linkSent, setLinkSent] = useState(false);

  if (user) return <Navigate to="/tenants" replace />;

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  function localSignIn(e: FormEvent) {
    e.preventDefault();
    if (!isLocal(auth)) return;
    void run(async () => {
      setUser(await auth.signIn(userId.trim()));
      navigate("/tenants");
    });
  }

  function google() {
    if (!isFirebase(auth)) return;
    void run(async () => {
      setUser(await (await auth.firebase()).signInWithGoogle());
      navigate("/tenants");
    });
  }

  function emailLink(e: FormEvent) {
    e.preventDefault();
    if (!isFirebase(auth)) return;
    void run(async () => {
      await (await auth.firebase()).sendEmailLink(email.trim());
      setLinkSent(true);
    });
  }

  return (
    <main id="main" className="sign-in">
      <h1>TokenMeter</h1>
      <p className="tagline">What your LLM API usage costs, to the cent.</p>
      {config.auth === "local" ? (
        <form onSubmit={localSignIn} className="card" aria-labelledby="local-title">
          <h2 id="local-title">Development sign-in</h2>
          <p className="hint">
            Local mode: the local token issuer signs a token for the user id you type. What you may see and change
            comes from the organization's member list (<code>make run</code> makes <code>demo-owner</code> the owner
            of <code>demo</code>; <code>make token TENANT=demo ROLE=viewer USER_ID=alice</code> adds a viewer).
          </p>
          <label htmlFor="user-id">User id</label>
          <input
            id="user-id"
            name="user_id"
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
            required
            maxLength={128}
            pattern="[A-Za-z0-9._@+\-]{1,128}"
            autoComplete="username"
          />
          <button type="submit" disabled={busy || !userId.trim()}>
            Sign in
          </button>
        </form>
      ) : (
        <div className="card">
          <h2>Sign in</h2>
          <button type="button" onClick={google} disabled={busy}>
            Continue with Google
          </button>
          <form onSubmit={emailLink} className="stack">
            <label htmlFor="email">Or get a sign-in link by email</label>
            <input id="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="email" />
            <button type="submit" className="secondary" disabled={busy || !email}>
              Email me a link
            </button>
          </form>
          {linkSent && (
            <p role="status" className="notice notice-ok">
              Check your inbox: the link signs you in on this browser.
            </p>
          )}
        </div>
      )}
      {error != null && <ErrorBox error={error} title="Sign-in failed" />}
    </main>
  );
}
