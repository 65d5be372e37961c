/**
 * Node: static files from a directory (normally <repo>/dist/static, written by
 * `npm run build:console`). Vite names every asset under `assets/` by its
 * content hash, so those may be cached forever; anything else (index.html,
 * the docs page) must be revalidated so a new build shows at once.
 * Text files go out gzipped to browsers that accept it (the console's vendor
 * chunks shrink to a third), each compressed once per build and kept: the
 * folder holds a handful of files, and gzipping a 1.3 MB chunk for every
 * browser that loads the console would be the same work again and again.
 * On Workers, Cloudflare compresses assets itself.
 */
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { join, normalize, sep } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { getMimeType } from "hono/utils/mime";
import type { StaticAssets } from "./types.ts";

/** Where `npm run build:console` writes (the same relative place in the container image). */
export const BUILT_STATIC_DIR = fileURLToPath(new URL("../../../dist/static", import.meta.url));

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";
/** Types worth compressing (images and fonts already are); below the size, gzip saves nothing. */
const COMPRESSIBLE = /^(text\/|application\/(javascript|json)|image\/svg\+xml)/;
const COMPRESS_FROM_BYTES = 1024;

/** Whether Accept-Encoding lists gzip (or `*`) with a non-zero weight. */
export function acceptsGzip(acceptEncoding: string | null): boolean {
  if (!acceptEncoding) return false;
  return acceptEncoding.split(",").some((entry) => {
    const [coding, ...params] = entry.split(";").map((part) => part.trim().toLowerCase());
    if (coding !== "gzip" && coding !== "*") return false;
    const q = params.find((param) => param.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/** A URL path inside `root`, or null for anything that would leave it (`..`, NUL, backslashes). */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\") || decoded.split("/").includes("..")) return null;
  const file = normalize(join(root, decoded));
  return file.startsWith(root.endsWith(sep) ? root : root + sep) ? file : null;
}

const gzipAsync = promisify(gzip);

export function directoryAssets(root: string): StaticAssets {
  const base = normalize(root);
  /** file → its gzipped bytes, for the version (mtime and size) they were made from */
  const gzipped = new Map<string, { version: string; bytes: Promise<Uint8Array<ArrayBuffer>> }>();
  const gzippedOnce = (file: string, version: string): Promise<Uint8Array<ArrayBuffer>> => {
    const cached = gzipped.get(file);
    if (cached?.version === version) return cached.bytes;
    // zlib's output is a plain (never shared) ArrayBuffer
    const bytes = readFile(file).then((plain) => gzipAsync(plain) as Promise<Uint8Array<ArrayBuffer>>);
    gzipped.set(file, { version, bytes });
    // a failed read is not kept: the next request tries again
    bytes.catch(() => gzipped.delete(file));
    return bytes;
  };
  return {
    async get(path, request) {
      const file = resolveInside(base, path);
      if (!file) return null;
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) return null;
      const type = getMimeType(file) ?? "application/octet-stream";
      const headers: Record<string, string> = {
        "Content-Type": type,
        "Cache-Control": /\/assets\//.test(path) ? IMMUTABLE : REVALIDATE,
        "Last-Modified": info.mtime.toUTCString(),
      };
      const compressible = COMPRESSIBLE.test(type) && info.size >= COMPRESS_FROM_BYTES;
      // Caches must keep the gzipped and the plain answer apart.
      if (compressible) headers.Vary = "Accept-Encoding";
      if (!compressible || !acceptsGzip(request.headers.get("accept-encoding"))) {
        const body = Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
        return new Response(body, { headers: { ...headers, "Content-Length": String(info.size) } });
      }
      const bytes = await gzippedOnce(file, `${info.mtimeMs}:${info.size}`);
      return new Response(bytes, {
        headers: { ...headers, "Content-Encoding": "gzip", "Content-Length": String(bytes.byteLength) },
      });
    },
  };
}
