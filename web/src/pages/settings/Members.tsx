import { useState, type FormEvent } from "react";
import { unwrap, type Member } from "../../api/client";
import { useApiMutation, useMembers, useSettings } from "../../api/hooks";
import { DataTable } from "../../components/DataTable";
import { Card, Page } from "../../components/Layout";
import { SettingsNav } from "../../components/SettingsNav";
import { ErrorBox, Loading } from "../../components/Status";
import { formatInstant } from "../../lib/dates";
import { useAccess, useApp } from "../../state";

const ROLES = ["viewer", "admin", "owner"] as const;

export function MembersPage() {
  const { api, user } = useApp();
  const access = useAccess();
  const members = useMembers();
  const settings = useSettings();
  const [userId, setUserId] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<(typeof ROLES)[number]>("viewer");
  const put = useApiMutation(
    async (m: { user_id: string; role: (typeof ROLES)[number]; email: string | null }) =>
      unwrap(await api.PUT("/v1/members/{user_id}", { params: { path: { user_id: m.user_id } }, body: { role: m.role, email: m.email } })),
    ["members"],
  );
  const remove = useApiMutation(
    async (id: string) => unwrap(await api.DELETE("/v1/members/{user_id}", { params: { path: { user_id: id } } })),
    ["members"],
  );

  function submit(e: FormEvent) {
    e.preventDefault();
    put.mutate({ user_id: userId.trim(), role, email: email.trim() || null }, { onSuccess: () => (setUserId(""), setEmail("")) });
  }

  const tz = settings.data?.time_zone ?? "UTC";
  return (
    <Page title="Members" testId="members">
      <SettingsNav />
      <Card>
        <p className="hint">Viewers read; admins also connect keys and set budgets; owners also manage members and the plan.</p>
        {members.isLoading && <Loading />}
        {members.error && <ErrorBox error={members.error} />}
        {members.data && (
          <DataTable<Member>
            caption="Members and their roles"
            csvName="members.csv"
            rows={members.data.members}
            columns={[
              { id: "user_id", header: "User", value: (m) => m.user_id },
              { id: "email", header: "Email", value: (m) => m.email },
              {
                id: "role",
                header: "Role",
                value: (m) => m.role,
                render: (m) =>
                  access.isOwner && m.user_id !== user?.userId ? (
                    <select
                      aria-label={`Role of ${m.user_id}`}
                      value={m.role}
                      onChange={(e) => put.mutate({ user_id: m.user_id, role: e.target.value as (typeof ROLES)[number], email: m.email })}
                    >
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  ) : (
                    <span className={`role role-${m.role}`}>{m.role}</span>
                  ),
              },
              { id: "added_at", header: "Added", value: (m) => m.added_at, render: (m) => (m.added_at ? formatInstant(m.added_at, tz) : "") },
              ...(access.isOwner
                ? [
                    {
                      id: "actions",
                      header: "",
                      noCsv: true,
                      value: () => "",
                      render: (m: Member) =>
                        m.user_id !== user?.userId && (
                          <button type="button" className="danger" onClick={() => confirm(`Remove ${m.user_id}?`) && remove.mutate(m.user_id)}>
                            Remove<span className="visually-hidden"> {m.user_id}</span>
                          </button>
                        ),
                    },
                  ]
                : []),
            ]}
          />
        )}
      </Card>
      {access.isOwner && (
        <Card title="Add a member">
          <form onSubmit={submit} className="form-grid">
            <label htmlFor="m-user">User id</label>
            <input id="m-user" value={userId} onChange={(e) => setUserId(e.target.value)} required maxLength={128} />
            <label htmlFor="m-email">Email (optional)</label>
            <input id="m-email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
            <label htmlFor="m-role">Role</label>
            <select id="m-role" value={role} onChange={(e) => setRole(e.target.value as (typeof ROLES)[number])}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
            <button type="submit" className="span-2" disabled={put.isPending}>
              Add
            </button>
          </form>
        </Card>
      )}
      {(put.error || remove.error) && <ErrorBox error={put.error ?? remove.error} />}
    </Page>
  );
}
