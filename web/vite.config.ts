/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The built app is static: everything it needs is in dist/, and config.json (API address, sign-in mode) is
// served beside it at run time, so one build runs locally and in the cloud.
// `npm run dev` proxies config.json and the local sign-in to `make run`'s dashboard server.
const localWeb = "http://127.0.0.1:8081";

export default defineConfig({
  plugins: [react()],
  build: { target: "es2022", sourcemap: true, chunkSizeWarningLimit: 900 },
  server: {
    host: "127.0.0.1",
    proxy: { "/config.json": localWeb, "/local": localWeb },
  },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
