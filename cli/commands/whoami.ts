/**
 * `ksp whoami`: which token the CLI is using, with its role and cluster scope,
 * as GET /v1/tokens/self answers (never the token itself). `ksp login` uses
 * the same read to check a token before saving it.
 */
import type { Command } from "commander";
import { type ApiClient, dataOf, type Schema } from "../api.ts";
import { formatAge, renderFields } from "../output.ts";
import { type Runtime, sessionOf } from "../runtime.ts";

export type TokenSelf = Schema<"TokenSelf">;

/** The caller's token; throws the API's error (401 for a wrong token). */
export async function fetchSelf(api: ApiClient): Promise<TokenSelf> {
  return dataOf(await api.GET("/v1/tokens/self"));
}

/** "all clusters", or the one cluster a scoped token reaches. */
export function scopeText(self: TokenSelf): string {
  if (self.clusterId === null) return "all clusters";
  return `cluster ${self.clusterName ?? self.clusterId}`;
}

/** `name (role, scope)`, as login and whoami print it. */
export function identityText(self: TokenSelf): string {
  return `${self.name} (${self.role}, ${scopeText(self)})`;
}

export function registerWhoamiCommand(program: Command, rt: Runtime): void {
  program
    .command("whoami")
    .description("Show the token in use: its name, role and cluster scope (never the token)")
    .action(async (_options, cmd: Command) => {
      const session = sessionOf(rt, cmd);
      const self = await fetchSelf(session.api);
      session.printAnswer("token", self.id, self, () =>
        renderFields([
          ["Name", self.name],
          ["Role", self.role],
          ["Scope", scopeText(self)],
          ["Cluster ID", self.clusterId],
          ["Token ID", self.id],
          ["Prefix", self.displayPrefix],
          ["Control plane", session.config.url],
          ["Context", session.config.contextName],
          ["Age", formatAge(self.createdAt, session.deps.now())],
          ["Expires", self.expiresAt ?? "never"],
          ["Last used", self.lastUsedAt ?? "never"],
        ]),
      );
    });
}
