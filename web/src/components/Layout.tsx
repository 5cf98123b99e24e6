import { useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { Link, NavLink, Outlet, useNavigate } from "react-router";
import { useTenant } from "../api/hooks";
import { useAccess, useApp } from "../state";

const NAV = [
  { to: "/", label: "Overview", end: true },
  { to: "/explore", label: "Explore" },
  { to: "/invoice", label: "Invoice check" },
  { to: "/budgets", label: "Budgets & alerts" },
  { to: "/whatif", label: "What-if" },
  { to: "/advice", label: "Advice" },
  { to: "/export", label: "Export" },
  { to: "/settings/connections", label: "Settings" },
];

export function Layout() {
  const { user, auth, setUser, tenant } = useApp();
  const tenantInfo = useTenant();
  const access = useAccess();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [menuOpen, setMenuOpen] = useState(false);

  async function signOut() {
    await auth.signOut();
    queries.clear();
    setUser(null);
    navigate("/sign-in");
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          TokenMeter
        </Link>
        <button
          type="button"
          className="menu-button secondary"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <div className="who">
          <span data-testid="tenant-name">{tenantInfo.data?.name || tenant}</span>
          {access.role && (
            <span className={`role role-${access.role}`} data-testid="role">
              {access.role}
            </span>
          )}
          <Link to="/tenants">Switch organization</Link>
          <span className="user" title={user?.email ?? undefined}>
            {user?.email ?? user?.userId}
          </span>
          <button type="button" className="secondary" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav id="main-nav" aria-label="Main" className={menuOpen ? "open" : undefined}>
        <ul>
          {NAV.map((n) => (
            <li key={n.to}>
              <NavLink to={n.to} end={n.end} onClick={() => setMenuOpen(false)}>
                {n.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

export function Page(props: { title: string; actions?: ReactNode; children: ReactNode; testId?: string }) {
  return (
    <section className="page" data-testid={props.testId} aria-labelledby="page-title">
      <div className="page-head">
        <h1 id="page-title">{props.title}</h1>
        {props.actions && <div className="page-actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

export function Card(props: { title?: string; children: ReactNode; className?: string; testId?: string; headingLevel?: 2 | 3 }) {
  const H = props.headingLevel === 3 ? "h3" : "h2";
  return (
    <section className={`card ${props.className ?? ""}`} data-testid={props.testId}>
      {props.title && <H>{props.title}</H>}
      {props.children}
    </section>
  );
}
