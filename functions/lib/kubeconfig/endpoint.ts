/**
 * The `cluster` half of the chosen context: where the API server is and how
 * to trust it. Only inline data is accepted; a path to a CA file means
 * nothing on the control plane.
 */
import { optionalBoolean, optionalString, pemData, refuse, refuseFilePath, type YamlMap } from "./fields.ts";
import type { ParsedKubeconfig } from "./types.ts";

export type Endpoint = Pick<
  ParsedKubeconfig,
  "server" | "certificateAuthorityPem" | "insecureSkipTlsVerify" | "tlsServerName"
>;

export function readEndpoint(cluster: YamlMap, where: string): Endpoint {
  const server = optionalString(cluster, "server", where);
  if (server === undefined)
    throw refuse(`${where}.server is missing: the API server's URL is required`, `${where}.server`);
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw refuse(`${where}.server is not a URL (expected https://host[:port])`, `${where}.server`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw refuse(`${where}.server must be an https:// (or http://) URL`, `${where}.server`);
  }
  // the URL is shown by the API; credentials in it would be too
  if (url.username !== "" || url.password !== "") {
    throw refuse(
      `${where}.server must not carry a user name or password; put credentials in the user entry`,
      `${where}.server`,
    );
  }
  if (url.search !== "" || url.hash !== "") {
    throw refuse(`${where}.server must not have a query or fragment`, `${where}.server`);
  }
  refuseFilePath(cluster, "certificate-authority", "certificate-authority-data", where);
  if (optionalString(cluster, "proxy-url", where) !== undefined) {
    throw refuse(
      `${where}.proxy-url is not supported: the control plane must reach the API server directly`,
      `${where}.proxy-url`,
    );
  }
  const certificateAuthorityPem = pemData(cluster, "certificate-authority-data", "CERTIFICATE", where);
  const tlsServerName = optionalString(cluster, "tls-server-name", where);
  return {
    server,
    insecureSkipTlsVerify: optionalBoolean(cluster, "insecure-skip-tls-verify", where),
    ...(certificateAuthorityPem !== undefined ? { certificateAuthorityPem } : {}),
    ...(tlsServerName !== undefined ? { tlsServerName } : {}),
  };
}
