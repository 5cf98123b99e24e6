/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";
import openapi from "./openapi.json";

// The built app is static: everything it needs is in dist/, and config.json (API address, sign-in mode) is
// served beside it at run time, so one build runs locally and in the cloud.
// `npm run dev` proxies config.json and the local sign-in to `make run`'s dashboard server.
const localWeb = "http://127.0.0.1:8081";

// Enumerations the app needs as values, not only as types, taken from the committed OpenAPI document at build
// time (tests/web/test_contract.py keeps it equal to the API's): see src/api/enums.ts.
const timeZones = openapi.components.schemas.SettingsBody.properties.time_zone.enum;

export default defineConfig({
  plugins: [react()],
  define: { __API_TIME_ZONES__: JSON.stringify(timeZones) },
  build: { target: "es2022", sourcemap: true, chunkSizeWarningLimit: 900 },
  server: {
    host: "127.0.0.1",
    proxy: { "/config.json": localWeb, "/local": localWeb },
  },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
