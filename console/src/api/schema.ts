/**
 * The REST API's types for the console: generated once, for the CLI and the
 * console alike, into proto/generated/rest-api.ts (npm run gen:api-client).
 * Type-only re-export: nothing of proto/ enters the browser bundle, and the
 * console's modules keep importing their API types from here.
 */
export type { components, operations, paths } from "../../../proto/generated/rest-api.ts";
