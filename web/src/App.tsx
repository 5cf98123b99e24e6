import { lazy, Suspense, type ReactNode } from "react";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router";
import { Layout } from "./components/Layout";
import { Loading } from "./components/Status";
import { OverviewPage } from "./pages/Overview";
import { SignInPage } from "./pages/SignIn";
import { TenantPickerPage } from "./pages/TenantPicker";
import { useApp } from "./state";

// The overview is in the first download; every other page is fetched when first opened.
const ExplorePage = lazy(() => import("./pages/Explore").then((m) => ({ default: m.ExplorePage })));
const InvoicePage = lazy(() => import("./pages/Invoice").then((m) => ({ default: m.InvoicePage })));
const BudgetsPage = lazy(() => import("./pages/Budgets").then((m) => ({ default: m.BudgetsPage })));
const WhatIfPage = lazy(() => import("./pages/WhatIf").then((m) => ({ default: m.WhatIfPage })));
const AdvicePage = lazy(() => import("./pages/Advice").then((m) => ({ default: m.AdvicePage })));
const ExportPage = lazy(() => import("./pages/Export").then((m) => ({ default: m.ExportPage })));
const ConnectionsPage = lazy(() => import("./pages/settings/Connections").then((m) => ({ default: m.ConnectionsPage })));
const MembersPage = lazy(() => import("./pages/settings/Members").then((m) => ({ default: m.MembersPage })));
const OrganizationPage = lazy(() => import("./pages/settings/Organization").then((m) => ({ default: m.OrganizationPage })));
const RateCardsPage = lazy(() => import("./pages/settings/RateCards").then((m) => ({ default: m.RateCardsPage })));

function RequireUser(props: { children: ReactNode }) {
  const { user } = useApp();
  const location = useLocation();
  return user ? props.children : <Navigate to="/sign-in" replace state={{ from: location.pathname }} />;
}

function RequireTenant(props: { children: ReactNode }) {
  const { tenant } = useApp();
  return tenant ? props.children : <Navigate to="/tenants" replace />;
}

function NotFound() {
  return (
    <section className="page">
      <h1>Not found</h1>
      <p>There is no page here.</p>
    </section>
  );
}

export function App() {
  return (
    <BrowserRouter>
      <Suspense fallback={<Loading what="the page" />}>
        <Routes>
          <Route path="/sign-in" element={<SignInPage />} />
          <Route
            path="/tenants"
            element={
              <RequireUser>
                <TenantPickerPage />
              </RequireUser>
            }
          />
          <Route
            element={
              <RequireUser>
                <RequireTenant>
                  <Layout />
                </RequireTenant>
              </RequireUser>
            }
          >
            <Route index element={<OverviewPage />} />
            <Route path="explore" element={<ExplorePage />} />
            <Route path="invoice" element={<InvoicePage />} />
            <Route path="budgets" element={<BudgetsPage />} />
            <Route path="whatif" element={<WhatIfPage />} />
            <Route path="advice" element={<AdvicePage />} />
            <Route path="export" element={<ExportPage />} />
            <Route path="settings" element={<Navigate to="/settings/connections" replace />} />
            <Route path="settings/connections" element={<ConnectionsPage />} />
            <Route path="settings/members" element={<MembersPage />} />
            <Route path="settings/organization" element={<OrganizationPage />} />
            <Route path="settings/rate-cards" element={<RateCardsPage />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </Suspense>
    </BrowserRouter>
  );
}
