import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { ApiError } from "./api/client";
import { App } from "./App";
import { createAuthenticator } from "./auth/session";
import { loadConfig } from "./config";
import { AppStateProvider } from "./state";
import "./styles.css";

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will not change by asking again; network errors and 5xx are retried twice.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

async function start() {
  const root = createRoot(document.getElementById("root")!);
  try {
    const config = await loadConfig();
    const auth = createAuthenticator(config);
    const user = await auth.current();
    root.render(
      <StrictMode>
        <QueryClientProvider client={queries}>
          <AppStateProvider config={config} auth={auth} initialUser={user}>
            <App />
          </AppStateProvider>
        </QueryClientProvider>
      </StrictMode>,
    );
  } catch (e) {
    root.render(
      <main className="sign-in">
        <h1>TokenMeter could not start</h1>
        <p role="alert">{e instanceof Error ? e.message : String(e)}</p>
      </main>,
    );
  }
}

void start();
