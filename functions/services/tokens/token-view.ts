/** What the API shows of an API token: never its hash, only the display prefix. */
import type { ApiToken, ApiTokenRole } from "../../../drizzle/schema/api-tokens.ts";

export interface ApiTokenView {
  id: string;
  name: string;
  role: ApiTokenRole;
  clusterId: string | null;
  displayPrefix: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdBy: string | null;
  createdAt: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toApiTokenView(row: ApiToken): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    clusterId: row.clusterId,
    displayPrefix: row.displayPrefix,
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    lastUsedAt: iso(row.lastUsedAt),
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}
