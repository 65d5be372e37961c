import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { updateSshKey } from "../../../services/ssh-keys/update-ssh-key.ts";
import { SSH_KEY_STORE_NOTE, SshKeyParams, SshKeySchema, UpdateSshKeyBody } from "./schemas.ts";

const route = createRoute({
  method: "patch",
  path: "/v1/ssh-keys/{sshKey}",
  operationId: "updateSshKey",
  tags: ["ssh-keys"],
  summary: "Change a stored key's description (unscoped admin)",
  description: `The key pair stays; use rotate to replace it. ${SSH_KEY_STORE_NOTE}`,
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: SshKeyParams,
    body: { required: true, content: { "application/json": { schema: UpdateSshKeyBody } } },
  },
  responses: {
    200: { description: "The key", content: { "application/json": { schema: SshKeySchema } } },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "dependency_unavailable",
    ),
  },
});

export const registerUpdateSshKey = defineRoute({
  route,
  access: "admin",
  unscopedOnly: "stored SSH keys serve the whole inventory: a cluster-scoped token cannot change them",
  audit: { action: "ssh_key.update", resourceType: "ssh_key" },
  run: async (c, { ctx }) => {
    const input = { ...c.req.valid("json"), sshKey: c.req.valid("param").sshKey };
    return c.json(await updateSshKey({ ctx, input }), 200);
  },
});
