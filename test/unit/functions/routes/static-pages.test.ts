import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../../functions/app.ts";
import { acceptsGzip, directoryAssets } from "../../../../functions/lib/static-assets/directory.ts";
import {
  CONSOLE_NOT_BUILT,
  DOCS_NOT_BUILT,
  type StaticAssets,
} from "../../../../functions/lib/static-assets/types.ts";
import { testDeps } from "../../../support/app-test-deps.ts";

let root: string;
const BIG_SCRIPT = `export const rows = ${JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ row: i })))};\n`;

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "ksp-static-"));
  mkdirSync(path.join(root, "ui", "assets"), { recursive: true });
  mkdirSync(path.join(root, "docs"), { recursive: true });
  writeFileSync(path.join(root, "ui", "index.html"), "<!doctype html><title>console</title>");
  writeFileSync(path.join(root, "ui", "assets", "index-abc123.js"), "console.log(1)");
  writeFileSync(path.join(root, "docs", "index.html"), "<!doctype html><title>docs</title>");
  writeFileSync(path.join(root, "secret.txt"), "outside the served folders");
  writeFileSync(path.join(root, "ui", "assets", "vendor-def456.js"), BIG_SCRIPT);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const appWith = (assets = directoryAssets(root)) => createApp({ ...testDeps(), assets });

describe("static pages (/ui, /docs)", () => {
  it("serves the console's index with page security headers and no caching", async () => {
    const res = await appWith().request("/ui/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(await res.text()).toContain("<title>console</title>");
  });

  it("redirects the bare paths to their folders", async () => {
    for (const [from, to] of [
      ["/ui", "/ui/"],
      ["/docs", "/docs/"],
    ]) {
      const res = await appWith().request(from!);
      expect(res.status).toBe(308);
      expect(res.headers.get("location")).toBe(to);
    }
  });

  it("serves hashed assets as immutable, with their content type", async () => {
    const res = await appWith().request("/ui/assets/index-abc123.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(res.headers.get("cache-control")).toContain("immutable");
    expect(await res.text()).toBe("console.log(1)");
  });

  it("answers the console's own routes with its index (client-side routing)", async () => {
    const res = await appWith().request("/ui/clusters/prod/pools/workers");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<title>console</title>");
  });

  it("answers a missing file with the 404 envelope, not the index", async () => {
    const res = await appWith().request("/ui/assets/missing.js");
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("not_found");
    expect(body.error.message).toContain("/ui/assets/missing.js");
  });

  it("never serves a file outside the folder, however the path is spelled", async () => {
    const app = appWith();
    for (const p of [
      "/ui/../secret.txt",
      "/ui/%2e%2e/secret.txt",
      "/ui/..%2fsecret.txt",
      "/ui/%2e%2e%5csecret.txt",
    ]) {
      const res = await app.request(p);
      expect(await res.text(), p).not.toContain("outside the served folders");
    }
  });

  it("serves the docs page, without falling back to it for missing files", async () => {
    const app = appWith();
    expect(await (await app.request("/docs/")).text()).toContain("<title>docs</title>");
    expect((await app.request("/docs/nope")).status).toBe(404);
  });

  it("says how to build the console and docs when they are not built", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "ksp-static-empty-"));
    try {
      for (const [p, message] of [
        ["/ui/", CONSOLE_NOT_BUILT],
        ["/ui/machines", CONSOLE_NOT_BUILT],
        ["/docs/", DOCS_NOT_BUILT],
      ]) {
        for (const app of [appWith(directoryAssets(empty)), createApp(testDeps())]) {
          const res = await app.request(p!);
          expect(res.status, p).toBe(404);
          expect(((await res.json()) as { error: { message: string } }).error.message).toBe(message);
        }
      }
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("gzips a file once per build and again when the file changes", async () => {
    const file = path.join(root, "ui", "assets", "rebuilt-abc.js");
    writeFileSync(file, BIG_SCRIPT);
    const app = appWith();
    const fetchGzipped = async () =>
      gunzipSync(
        Buffer.from(
          await (
            await app.request("/ui/assets/rebuilt-abc.js", { headers: { "accept-encoding": "gzip" } })
          ).arrayBuffer(),
        ),
      ).toString();
    expect(await fetchGzipped()).toBe(BIG_SCRIPT);
    expect(await fetchGzipped()).toBe(BIG_SCRIPT);
    const rebuilt = `${BIG_SCRIPT}// rebuilt\n`;
    writeFileSync(file, rebuilt);
    expect(await fetchGzipped()).toBe(rebuilt);
  });

  it("gzips text files for browsers that accept it, and only for them", async () => {
    const app = appWith();
    const gz = await app.request("/ui/assets/vendor-def456.js", {
      headers: { "accept-encoding": "gzip, deflate, br" },
    });
    expect(gz.status).toBe(200);
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(gz.headers.get("vary")).toBe("Accept-Encoding");
    const packed = Buffer.from(await gz.arrayBuffer());
    expect(gz.headers.get("content-length")).toBe(String(packed.length));
    expect(packed.length).toBeLessThan(Buffer.byteLength(BIG_SCRIPT) / 2);
    expect(gunzipSync(packed).toString()).toBe(BIG_SCRIPT);

    for (const acceptEncoding of [undefined, "identity", "gzip;q=0, br"]) {
      const plain = await app.request("/ui/assets/vendor-def456.js", {
        headers: acceptEncoding ? { "accept-encoding": acceptEncoding } : {},
      });
      expect(plain.headers.get("content-encoding"), acceptEncoding).toBeNull();
      expect(plain.headers.get("content-length"), acceptEncoding).toBe(String(Buffer.byteLength(BIG_SCRIPT)));
      expect(await plain.text(), acceptEncoding).toBe(BIG_SCRIPT);
    }
    // Too small to gain anything.
    const small = await app.request("/ui/assets/index-abc123.js", { headers: { "accept-encoding": "gzip" } });
    expect(small.headers.get("content-encoding")).toBeNull();
  });

  it("reads Accept-Encoding weights", () => {
    expect(acceptsGzip("gzip")).toBe(true);
    expect(acceptsGzip("br, GZIP;q=0.5")).toBe(true);
    expect(acceptsGzip("*")).toBe(true);
    expect(acceptsGzip("gzip;q=0")).toBe(false);
    expect(acceptsGzip("gzip; q=0.000, br")).toBe(false);
    expect(acceptsGzip("deflate, br")).toBe(false);
    expect(acceptsGzip(null)).toBe(false);
  });

  it("answers HEAD with the headers only and closes the file it opened", async () => {
    let cancelled = 0;
    const tracked: StaticAssets = {
      async get(p) {
        if (p !== "/ui/index.html") return null;
        const body = new ReadableStream<Uint8Array>({ cancel: () => void cancelled++ });
        return new Response(body, { headers: { "Content-Type": "text/html; charset=utf-8" } });
      },
    };
    const app = appWith(tracked);
    for (const p of ["/ui/", "/ui/clusters/prod"]) {
      const res = await app.request(p, { method: "HEAD" });
      expect(res.status, p).toBe(200);
      expect(res.headers.get("content-security-policy"), p).toContain("script-src 'self'");
      expect(await res.text(), p).toBe("");
    }
    expect(cancelled).toBe(2);
  });
});
