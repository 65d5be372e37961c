import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { deleteSshKey } from "../../../services/ssh-keys/delete-ssh-key.ts";
import { SshKeyParams } from "./schemas.ts";

const route = createRoute({
  method: "delete",
  path: "/v1/ssh-keys/{sshKey}",
  operationId: "deleteSshKey",
  tags: ["ssh-keys"],
  summary: "Delete a stored SSH key no machine uses (unscoped admin)",
  description:
    "A 409 (with the count) while machines that are not archived name it by sshKeyRef; for the key named " +
    '"default", also while machines with no sshKeyRef exist.',
  security: [{ [BEARER_SCHEME]: [] }],
  request: { params: SshKeyParams },
  responses: {
    204: { description: "Deleted" },
    ...errorResponses("validation_failed", "unauthorized", "forbidden", "not_found", "conflict"),
  },
});

export const registerDeleteSshKey = defineRoute({
  route,
  access: "admin",
  unscopedOnly: "stored SSH keys serve the whole inventory: a cluster-scoped token cannot change them",
  audit: { action: "ssh_key.delete", resourceType: "ssh_key" },
  run: async (c, { ctx }) => {
    await deleteSshKey({ ctx, input: c.req.valid("param") });
    return c.body(null, 204);
  },
});
