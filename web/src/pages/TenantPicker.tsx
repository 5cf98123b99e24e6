import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { ApiError, createApi, unwrap } from "../api/client";
import { ErrorBox, Loading } from "../components/Status";
import { useApp, useMe } from "../state";

export function TenantPickerPage() {
  const { config, credentials, setTenant, tenant, user } = useApp();
  const me = useMe();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [newId, setNewId] = useState("");
  const [newName, setNewName] = useState("");

  function open(id: string) {
    queries.removeQueries();
    setTenant(id);
    navigate("/");
  }

  useEffect(() => {
    if (me.data && me.data.tenants.length === 1 && !tenant) open(me.data.tenants[0].id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [me.data]);

  async function create(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const api = createApi(config.api_base_url, { ...credentials, tenant: () => null });
      const t = unwrap(await api.POST("/v1/tenants", { body: { id: newId.trim(), name: newName.trim() } }));
      await queries.invalidateQueries({ queryKey: ["me"] });
      open(t.id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="tenant-picker">
      <h1>Choose an organization</h1>
      <p>
        Signed in as <strong data-testid="signed-in-user">{user?.email ?? user?.userId}</strong>.
      </p>
      {me.isLoading && <Loading what="your organizations" />}
      {me.error && <ErrorBox error={me.error} />}
      {me.data && (
        <ul className="tenant-list" aria-label="Your organizations">
          {me.data.tenants.map((t) => (
            <li key={t.id}>
              <button type="button" onClick={() => open(t.id)}>
                {t.name} <span className="muted">({t.id})</span> <span className={`role role-${t.role}`}>{t.role}</span>
              </button>
            </li>
          ))}
          {!me.data.tenants.length && <li>You are not a member of any organization yet.</li>}
        </ul>
      )}
      <details className="card">
        <summary>Create a new organization</summary>
        <form onSubmit={create} className="stack">
          <label htmlFor="new-tenant-id">Id (lowercase letters, digits and dashes)</label>
          <input id="new-tenant-id" value={newId} onChange={(e) => setNewId(e.target.value)} required pattern="[a-z0-9][a-z0-9\-]{1,62}" />
          <label htmlFor="new-tenant-name">Name</label>
          <input id="new-tenant-name" value={newName} onChange={(e) => setNewName(e.target.value)} required maxLength={120} />
          <button type="submit" disabled={busy}>
            Create
          </button>
        </form>
      </details>
      {error != null && <ErrorBox error={error} title={error instanceof ApiError && error.status === 403 ? "No access" : "Could not open it"} />}
    </main>
  );
}
