import { createRoute } from "@hono/zod-openapi";
import { defineRoute } from "../../../http/define-route.ts";
import { BEARER_SCHEME, errorResponses } from "../../../http/openapi.ts";
import { createSshKey } from "../../../services/ssh-keys/create-ssh-key.ts";
import { CreateSshKeyBody, SSH_KEY_STORE_NOTE, SshKeySchema } from "./schemas.ts";

const route = createRoute({
  method: "post",
  path: "/v1/ssh-keys",
  operationId: "createSshKey",
  tags: ["ssh-keys"],
  summary: "Store an SSH private key, or generate an ed25519 one (unscoped admin)",
  description:
    "The private key is sealed at rest and never returned; the response has its public key and fingerprint. " +
    `A name another key has is a 409. ${SSH_KEY_STORE_NOTE}`,
  security: [{ [BEARER_SCHEME]: [] }],
  request: { body: { required: true, content: { "application/json": { schema: CreateSshKeyBody } } } },
  responses: {
    201: { description: "Stored", content: { "application/json": { schema: SshKeySchema } } },
    ...errorResponses(
      "validation_failed",
      "bad_request",
      "unauthorized",
      "forbidden",
      "conflict",
      "dependency_unavailable",
    ),
  },
});

export const registerCreateSshKey = defineRoute({
  route,
  access: "admin",
  unscopedOnly: "stored SSH keys serve the whole inventory: a cluster-scoped token cannot change them",
  audit: { action: "ssh_key.create", resourceType: "ssh_key" },
  run: async (c, { ctx }) => c.json(await createSshKey({ ctx, input: c.req.valid("json") }), 201),
});
