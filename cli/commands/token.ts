/** `ksp token list|create|revoke`: API tokens (admin). A new token's secret is printed once, at creation. */
import { type Command, Option } from "commander";
import { collectPages, dataOf, type Schema } from "../api.ts";
import { durationMs, pathRef } from "../args.ts";
import { type ListOptions, withListOptions } from "../options.ts";
import { formatAge, renderFields } from "../output.ts";
import type { ResourceView } from "../render.ts";
import { type Runtime, sessionOf } from "../runtime.ts";
import { listOrWatch } from "../watch.ts";

type ApiToken = Schema<"ApiToken">;
const ROLES = ["admin", "operator", "viewer"] as const;

function stateOf(token: ApiToken, now: number): string {
  if (token.revokedAt) return "revoked";
  if (token.expiresAt && Date.parse(token.expiresAt) <= now) return "expired";
  return "active";
}

export const tokenView: ResourceView<ApiToken> = {
  kind: "token",
  name: (token) => token.id,
  columns: [
    { header: "ID", value: (t) => t.id },
    { header: "NAME", value: (t) => t.name },
    { header: "ROLE", value: (t) => t.role },
    { header: "CLUSTER", value: (t) => t.clusterId ?? "*" },
    { header: "STATE", value: (t) => stateOf(t, Date.now()) },
    { header: "PREFIX", value: (t) => t.displayPrefix },
    { header: "AGE", value: (t) => formatAge(t.createdAt) },
    { header: "EXPIRES", value: (t) => t.expiresAt ?? "never", wide: true },
    { header: "LAST USED", value: (t) => t.lastUsedAt ?? "never", wide: true },
    { header: "CREATED BY", value: (t) => t.createdBy ?? "", wide: true },
  ],
};

export function registerTokenCommands(program: Command, rt: Runtime): void {
  const token = program.command("token").description("API tokens (admin)");

  withListOptions(token.command("list").alias("ls"))
    .description("List API tokens, revoked and expired ones included (never their secrets)")
    .addOption(new Option("--role <role>", "only this role").choices(ROLES))
    .option("--cluster <cluster>", "only tokens scoped to this cluster (id)")
    .action(async (options: ListOptions & { role?: (typeof ROLES)[number]; cluster?: string }, cmd) => {
      const session = sessionOf(rt, cmd);
      const query = {
        ...(options.role ? { role: options.role } : {}),
        ...(options.cluster ? { clusterId: options.cluster } : {}),
      };
      await listOrWatch(
        session,
        tokenView,
        () =>
          collectPages(
            (page) => session.api.GET("/v1/tokens", { params: { query: { ...query, ...page } } }),
            options.limit,
          ),
        options,
      );
    });

  token
    .command("create")
    .argument("<name>", "what the token is for")
    .description("Create an API token; its secret is printed once")
    .addOption(new Option("--role <role>", "what it may do").choices(ROLES).makeOptionMandatory())
    .option("--cluster <cluster>", "scope it to one cluster (id)")
    .option("--expires-in <duration>", "lifetime, e.g. 30d or 12h (default: no expiry)", durationMs)
    .action(
      async (
        name: string,
        options: { role: (typeof ROLES)[number]; cluster?: string; expiresIn?: number },
        cmd,
      ) => {
        const session = sessionOf(rt, cmd);
        const created = dataOf(
          await session.api.POST("/v1/tokens", {
            body: {
              name,
              role: options.role,
              ...(options.cluster ? { clusterId: options.cluster } : {}),
              ...(options.expiresIn !== undefined
                ? { expiresInSeconds: Math.round(options.expiresIn / 1000) }
                : {}),
            },
          }),
        );
        session.printAnswer("token", created.apiToken.id, created, () =>
          renderFields([
            ["ID", created.apiToken.id],
            ["Name", created.apiToken.name],
            ["Role", created.apiToken.role],
            ["Cluster", created.apiToken.clusterId ?? "*"],
            ["Expires", created.apiToken.expiresAt ?? "never"],
            ["Token", created.token],
          ]),
        );
        session.deps.stderr("The token is shown once; store it now (e.g. ksp login --token-stdin).\n");
      },
    );

  token
    .command("revoke")
    .argument("<id>", "the token's id")
    .description("Revoke an API token; it is refused from the next request on")
    .action(async (id: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      const revoked = dataOf(
        await session.api.DELETE("/v1/tokens/{tokenId}", {
          params: { path: { tokenId: pathRef(id, "the token") } },
        }),
      );
      session.printAnswer(
        "token",
        revoked.id,
        revoked,
        () => `token "${revoked.name}" (${revoked.id}) revoked\n`,
      );
    });
}
