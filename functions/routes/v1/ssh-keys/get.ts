import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { getSshKey } from "../../../services/ssh-keys/get-ssh-key.ts";
import { SSH_KEY_STORE_NOTE, SshKeyParams, SshKeySchema } from "./schemas.ts";

const route = createRoute({
  method: "get",
  path: "/v1/ssh-keys/{sshKey}",
  operationId: "getSshKey",
  tags: ["ssh-keys"],
  summary: "One stored SSH key by id or name, without its private key (viewer)",
  description: SSH_KEY_STORE_NOTE,
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: SshKeyParams },
  responses: {
    200: { description: "The key", content: { "application/json": { schema: SshKeySchema } } },
    ...errorResponses(
      "validation_failed",
      "unauthorized",
      "forbidden",
      "not_found",
      "dependency_unavailable",
    ),
  },
});

export const registerGetSshKey = defineRoute({
  route,
  access: "viewer",
  run: async (c, { ctx }) => c.json(await getSshKey({ ctx, input: c.req.valid("param") }), 200),
});
