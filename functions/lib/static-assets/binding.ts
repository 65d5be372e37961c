/**
 * Workers: the `[assets]` binding of wrangler.toml (directory dist/static).
 * `run_worker_first` sends every request to the Worker, so the API keeps its
 * own 404s and middleware, and only /ui and /docs reach the binding.
 */
import type { StaticAssets } from "./types.ts";

/** The part of Cloudflare's `Fetcher` the assets binding offers that we use. */
export interface AssetsFetcher {
  fetch(request: Request): Promise<Response>;
}

export function isAssetsFetcher(value: unknown): value is AssetsFetcher {
  return typeof (value as AssetsFetcher | undefined)?.fetch === "function";
}

export function bindingAssets(binding: AssetsFetcher): StaticAssets {
  return {
    async get(path, request) {
      const url = new URL(path, request.url);
      // Asked by GET with no conditional headers: a 304 would hide whether the file exists.
      const response = await binding.fetch(new Request(url, { method: "GET" }));
      return response.status === 404 ? null : response;
    },
  };
}
