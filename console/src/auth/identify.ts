/** Checks a pasted token and learns its name, role and cluster scope in one read. */
import { api, bearerHeader, unwrap } from "../api/client.ts";
import type { Identity } from "./identity.ts";

/** The token's identity; throws the API's error (401 for a wrong token, 403 for an agent credential). */
export async function identify(token: string): Promise<Identity> {
  const self = await unwrap(api.GET("/v1/tokens/self", { headers: bearerHeader(token) }));
  return {
    role: self.role,
    tokenName: self.name,
    scope: self.clusterId === null ? "all" : { clusterId: self.clusterId, clusterName: self.clusterName },
  };
}
