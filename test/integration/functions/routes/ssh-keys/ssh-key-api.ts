/**
 * The real app on its own Postgres database, with a keyring (startTestApi
 * configures none) and a logger that keeps every line down to debug, so the
 * tests can look for key material in everything the app logged. The same
 * deps otherwise; `plain` is the app without a keyring, for the 503 case.
 */
import { sql } from "drizzle-orm";
import { resultRows } from "../../../../../drizzle/drivers/rows.ts";
import { createApp } from "../../../../../functions/app.ts";
import { Keyring } from "../../../../../functions/lib/crypto/keyring.ts";
import { createMemoryLogger } from "../../../../../shared/logger.ts";
import { type CallOptions, startTestApi, type TestApi } from "../../../../support/api.ts";

export interface SshKeyApi extends TestApi {
  logger: ReturnType<typeof createMemoryLogger>;
  /** the same app without KSP_ENCRYPTION_KEYS */
  plain: (method: string, path: string, options?: CallOptions) => Promise<Response>;
  /** every row of every table (and the audit log), as text */
  dump(): Promise<string>;
}

export async function startSshKeyApi(): Promise<SshKeyApi> {
  const api = await startTestApi();
  const logger = createMemoryLogger("debug");
  const encryption = new Keyring([{ id: "k1", key: crypto.getRandomValues(new Uint8Array(32)) }]);
  const app = createApp({ ...api.deps, logger, encryption });
  const plainApp = createApp({ ...api.deps, logger });
  const request =
    (target: typeof app) =>
    (method: string, path: string, o: CallOptions = {}) => {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.body !== undefined) headers["content-type"] = "application/json";
      const body = o.text ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
      if (o.text !== undefined) headers["content-type"] = o.contentType ?? "text/plain";
      return Promise.resolve(target.request(path, { method, headers, body }));
    };
  const call = request(app);
  const dump = async () => {
    const tables = resultRows<{ schema: string; name: string }>(
      await api.database.db.execute(
        sql`select table_schema as schema, table_name as name from information_schema.tables
            where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
      ),
    );
    const parts: string[] = [];
    for (const { schema, name } of tables) {
      const rows = resultRows<{ row: string }>(
        await api.database.db.execute(
          sql`select t::text as row from ${sql.identifier(schema)}.${sql.identifier(name)} t`,
        ),
      );
      parts.push(`-- ${schema}.${name}`, ...rows.map((r) => r.row));
    }
    return parts.join("\n");
  };
  return {
    ...api,
    app,
    logger,
    call,
    plain: request(plainApp),
    async json(method, path, options) {
      const res = await call(method, path, options);
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, res };
    },
    dump,
    close: () => api.close(),
  };
}

/** The base64 body of an OpenSSH private key: what must never show in plain text. */
export function keyBody(privateKey: string): string {
  return privateKey
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"))
    .join("");
}

/**
 * Lines of the body that are long enough to mean something (70 characters
 * each, bar the last) and are not also in the public key: a key file holds its
 * public key too (and an RSA file its modulus twice), which may be shown.
 */
export function keyLines(privateKey: string, publicKey: string): string[] {
  return privateKey
    .split("\n")
    .filter((l) => l.length >= 40 && !l.startsWith("-----") && !publicKey.includes(l));
}
