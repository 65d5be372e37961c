/** Parsing and validation for cluster discovery (cluster-info.ts). */
import { describe, expect, it } from "vitest";
import {
  caCertHashOfData,
  endpointFromServer,
  isApiEndpoint,
  isCaCertHash,
  joinInfoFromKubeconfig,
} from "../../../../agent/kubernetes/cluster-info.ts";
import { KubeError } from "../../../../agent/kubernetes/kube-error.ts";

describe("isApiEndpoint", () => {
  it.each([
    ["10.0.0.1:6443", true],
    ["api.example.com:443", true],
    ["localhost:1", true],
    ["[fd00::1]:6443", true],
    ["[::1]:65535", true],
    ["10.0.0.1", false],
    ["10.0.0.1:", false],
    ["10.0.0.1:0", false],
    ["10.0.0.1:65536", false],
    ["999.0.0.1:6443", false],
    ["fd00::1:6443", false],
    ["[not-ipv6]:6443", false],
    ["-bad.example.com:443", false],
    ["https://api:6443", false],
    ["api:6443/path", false],
    ["a b:6443", false],
  ])("%s → %s", (value, ok) => {
    expect(isApiEndpoint(value)).toBe(ok);
  });
});

describe("isCaCertHash", () => {
  it("takes sha256: and 64 lowercase hex digits only", () => {
    expect(isCaCertHash(`sha256:${"0a".repeat(32)}`)).toBe(true);
    expect(isCaCertHash(`sha256:${"0a".repeat(31)}`)).toBe(false);
    expect(isCaCertHash(`sha256:${"0A".repeat(32)}`)).toBe(false);
    expect(isCaCertHash(`${"0a".repeat(32)}`)).toBe(false);
  });
});

describe("endpointFromServer", () => {
  it.each([
    ["https://10.0.0.1:6443", "10.0.0.1:6443"],
    ["https://10.0.0.1", "10.0.0.1:443"],
    ["https://10.0.0.1:443", "10.0.0.1:443"],
    ["http://cp", "cp:80"],
    ["https://[fd00::1]", "[fd00::1]:443"],
    ["https://API.Example.com:6443/", "api.example.com:6443"],
  ])("%s → %s", (server, endpoint) => {
    expect(endpointFromServer(server)).toBe(endpoint);
  });

  it("refuses what is not an http(s) URL", () => {
    expect(() => endpointFromServer("unix:///run/k.sock")).toThrow(KubeError);
    expect(() => endpointFromServer("not a url")).toThrow(/is not a URL/);
  });
});

describe("joinInfoFromKubeconfig", () => {
  it("takes the first cluster's server and CA data", () => {
    const text = [
      "clusters:",
      "- cluster: {server: 'https://a:6443', certificate-authority-data: QUFB}",
      "  name: first",
      "- cluster: {server: 'https://b:6443', certificate-authority-data: QkJC}",
      "  name: second",
    ].join("\n");
    expect(joinInfoFromKubeconfig(text)).toEqual({ server: "https://a:6443", caData: "QUFB" });
  });

  it.each([
    [undefined, /no "kubeconfig" key/],
    ["   ", /no "kubeconfig" key/],
    ["a: [", /does not parse as YAML/],
    ["just a string", /names no cluster server/],
    ["clusters: {}", /names no cluster server/],
    ["clusters: [{cluster: {server: 'https://a'}}]", /no certificate-authority-data/],
  ])("explains %j", (text, message) => {
    expect(() => joinInfoFromKubeconfig(text)).toThrow(message);
  });
});

describe("caCertHashOfData", () => {
  it("refuses data that is not a certificate, naming where it came from", () => {
    expect(() => caCertHashOfData(Buffer.from("junk").toString("base64"))).toThrow(
      /kube-public\/cluster-info: certificate-authority-data is not a certificate/,
    );
  });
});
