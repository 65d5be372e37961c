import { createRoute, z } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { PageQuerySchema, pageOf } from "../../../http/pagination.ts";
import { listSshKeys } from "../../../services/ssh-keys/list-ssh-keys.ts";
import { SSH_KEY_STORE_NOTE, SshKeySchema } from "./schemas.ts";

const ListSshKeysQuery = PageQuerySchema.extend({
  q: z.string().max(200).optional().openapi({ description: "case-insensitive text in name or description" }),
});

const route = createRoute({
  method: "get",
  path: "/v1/ssh-keys",
  operationId: "listSshKeys",
  tags: ["ssh-keys"],
  summary: "List stored SSH keys by name, with fingerprints (viewer)",
  description: SSH_KEY_STORE_NOTE,
  security: [{ [BEARER_SCHEME]: [] }],
  request: { query: ListSshKeysQuery },
  responses: {
    200: {
      description: "A page of keys, by name",
      content: { "application/json": { schema: pageOf(SshKeySchema, "SshKeyPage") } },
    },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "dependency_unavailable"),
  },
});

export const registerListSshKeys = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx }) => c.json(await listSshKeys({ ctx, input: c.req.valid("query") }), 200),
});
