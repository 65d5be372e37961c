/** One stored SSH key by id or name, without its private half. */
import type { ServiceCall } from "../context.ts";
import { findSshKey, type SshKeyView, toSshKeyView } from "./ssh-key-view.ts";

export async function getSshKey({ ctx, input }: ServiceCall<{ sshKey: string }>): Promise<SshKeyView> {
  return toSshKeyView(await findSshKey(ctx.db, input.sshKey));
}
