import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { rotateSshKey } from "../../../services/ssh-keys/rotate-ssh-key.ts";
import { RotateSshKeyBody, SSH_KEY_STORE_NOTE, SshKeyParams, SshKeySchema } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/ssh-keys/{sshKey}/rotate",
  operationId: "rotateSshKey",
  tags: ["ssh-keys"],
  summary: "Replace a stored key's key pair under the same name (unscoped admin)",
  description:
    "The given private key, or a new ed25519 key; version goes up by one. Agents fetch the new key the next " +
    "time they need it, so put the new public key on the machines before rotating. A concurrent rotation is " +
    `a 409. ${SSH_KEY_STORE_NOTE}`,
  security: [{ [BEARER_SCHEME]: [] }],
  request: {
    params: SshKeyParams,
    body: { required: true, content: { "application/json": { schema: RotateSshKeyBody } } },
  },
  responses: {
    200: { description: "The rotated key", content: { "application/json": { schema: SshKeySchema } } },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "not_found",
      "conflict",
      "dependency_unavailable",
    ),
  },
});

export const registerRotateSshKey = defineRoute({
  route,
  access: "admin",
  unscopedOnly: "stored SSH keys serve the whole inventory: a cluster-scoped token cannot change them",
  audit: { action: "ssh_key.rotate", resourceType: "ssh_key" },
  run: async (c, { ctx }) => {
    const input = { ...c.req.valid("json"), sshKey: c.req.valid("param").sshKey };
    return c.json(await rotateSshKey({ ctx, input }), 200);
  },
});
