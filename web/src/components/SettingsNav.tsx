import { NavLink } from "react-router";

const ITEMS = [
  { to: "/settings/connections", label: "Connections" },
  { to: "/settings/members", label: "Members" },
  { to: "/settings/organization", label: "Plan, time zone & advice alerts" },
  { to: "/settings/rate-cards", label: "Rate cards" },
];

export function SettingsNav() {
  return (
    <nav aria-label="Settings" className="subnav">
      <ul>
        {ITEMS.map((i) => (
          <li key={i.to}>
            <NavLink to={i.to}>{i.label}</NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}
