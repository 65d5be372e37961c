import { defineConfig } from "drizzle-kit";

// Migrations are generated from drizzle/schema with `npm run db:generate` and never hand-edited.
export default defineConfig({
  dialect: "postgresql",
  schema: "./drizzle/schema/index.ts",
  out: "./drizzle/migrations",
  casing: "snake_case",
});
