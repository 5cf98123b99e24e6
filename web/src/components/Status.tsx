import type { ReactNode } from "react";
import { ApiError } from "../api/client";

export function Loading(props: { what?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading{props.what ? ` ${props.what}` : ""}…
    </p>
  );
}

/** An error as the API worded it, with what to do where we know. */
export function ErrorBox(props: { error: unknown; title?: string }) {
  const e = props.error;
  let message = e instanceof Error ? e.message : String(e);
  let hint: string | null = null;
  if (e instanceof ApiError) {
    if (e.status === 401) hint = "Your sign-in has expired: sign out and sign in again.";
    else if (e.status === 403) hint = "Ask an owner of this organization for access.";
  } else if (e instanceof TypeError) {
    message = "The API could not be reached.";
    hint = "Check your connection; if it persists, the service may be down.";
  }
  return (
    <div className="error-box" role="alert">
      {props.title && <strong>{props.title}: </strong>}
      <span data-testid="api-error">{message}</span>
      {hint && <p className="hint">{hint}</p>}
    </div>
  );
}

export function Empty(props: { children: ReactNode }) {
  return <p className="empty">{props.children}</p>;
}

export function Notice(props: { kind?: "info" | "warn" | "ok"; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice notice-${props.kind ?? "info"}`} data-testid={props.testId}>
      {props.children}
    </div>
  );
}
