/**
 * Stored SSH keys are named as machines' `sshKeyRef`s name them; a machine
 * with no key ref uses the key named `default`. A name is also a valid file
 * name in the agent's --ssh-key-dir, so one name means the same key in both
 * places. Names that look like UUIDs are refused: `{sshKey}` in a path is an
 * id or a name, and must never be both.
 */
import { AppError } from "../../lib/errors.ts";
import { isUuid } from "../machines/ids.ts";

export const SSH_KEY_NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,62}$/;
export const SSH_KEY_NAME_RULE =
  "1-63 characters of A-Z a-z 0-9 . _ -, not starting with a dot, and not a UUID";
export const DEFAULT_SSH_KEY_NAME = "default";
export const SSH_KEY_DESCRIPTION_MAX = 1000;

export function checkSshKeyName(name: string): void {
  if (!SSH_KEY_NAME_PATTERN.test(name) || isUuid(name)) {
    throw new AppError("validation_failed", `name: must be ${SSH_KEY_NAME_RULE}`, { path: "name" });
  }
}

/** The stored key a machine's SSH key ref names. */
export function keyNameOf(sshKeyRef: string | null): string {
  return sshKeyRef ?? DEFAULT_SSH_KEY_NAME;
}
