/**
 * The web console's build: `npx vite build --config console/vite.config.ts`.
 * The control plane serves the output at /ui (dist/static/ui); every /ui/* path
 * that is not a file falls back to index.html, where the router takes over.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type UserConfig } from "vite";

const consoleRoot = dirname(fileURLToPath(import.meta.url));

const config: UserConfig = {
  root: consoleRoot,
  base: "/ui/",
  plugins: [react()],
  build: {
    outDir: join(consoleRoot, "..", "dist", "static", "ui"),
    emptyOutDir: true,
    // antd and recharts are large; one vendor chunk each keeps the app's own chunk small and cacheable
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (!id.includes("node_modules")) return undefined;
          if (/node_modules\/(recharts|d3-|victory-vendor)/.test(id)) return "charts";
          if (/node_modules\/(antd|@ant-design|rc-|@rc-component)/.test(id)) return "antd";
          return "vendor";
        },
      },
    },
  },
  server: {
    // `npx vite --config console/vite.config.ts` during development: the API is the local control plane
    proxy: { "/v1": "http://127.0.0.1:8787" },
  },
};

export default defineConfig(({ command }) => {
  // A build is always the production bundle, whatever NODE_ENV the caller runs under: a test runner
  // sets "test", which Vite, React and Ant Design would take for development (dev JSX runtime,
  // dev-only warnings and ids, slower). Vite reads NODE_ENV after loading this file.
  if (command === "build") process.env.NODE_ENV = "production";
  return config;
});
