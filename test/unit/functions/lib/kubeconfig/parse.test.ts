import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { AppError } from "../../../../../functions/lib/errors.ts";
import { MAX_KUBECONFIG_BYTES } from "../../../../../functions/lib/kubeconfig/input-text.ts";
import { parseKubeconfig, readKubeconfig } from "../../../../../functions/lib/kubeconfig/parse.ts";
import {
  b64,
  basicKubeconfig,
  clientCertKubeconfig,
  fakeCertificatePem,
  kubeconfigYaml,
  privateKeyPem,
  secretSpellings,
  tokenKubeconfig,
  uniqueToken,
} from "../../../../support/kubeconfig-fixtures.ts";

/** The refusal, checked to be a 400 that quotes none of `secrets` (nor their base64). */
function refusal(input: string, secrets: string[] = []): AppError {
  let caught: unknown;
  try {
    parseKubeconfig(input);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(AppError);
  const err = caught as AppError;
  expect(err.code).toBe("validation_failed");
  const shown = `${err.message} ${JSON.stringify(err.details ?? {})}`;
  for (const spelling of secrets.flatMap(secretSpellings)) expect(shown).not.toContain(spelling);
  return err;
}

describe("parseKubeconfig: accepted", () => {
  it("reads a token kubeconfig: context, server and token", () => {
    const { yaml, token } = tokenKubeconfig({ server: "https://10.0.0.1:6443" });
    expect(parseKubeconfig(yaml)).toEqual({
      contextName: "test-admin@test",
      server: "https://10.0.0.1:6443",
      insecureSkipTlsVerify: false,
      auth: { kind: "token", token },
    });
  });

  it("reads a client-certificate kubeconfig with its CA", () => {
    const { yaml, keyPem, certificatePem, caPem } = clientCertKubeconfig({
      cluster: { "tls-server-name": "kubernetes.default" },
    });
    const parsed = parseKubeconfig(yaml);
    expect(parsed.auth).toEqual({ kind: "client-certificate", certificatePem, keyPem });
    expect(parsed.certificateAuthorityPem).toBe(caPem);
    expect(parsed.tlsServerName).toBe("kubernetes.default");
  });

  it("reads basic authentication and insecure-skip-tls-verify", () => {
    const { yaml, password } = basicKubeconfig({ cluster: { "insecure-skip-tls-verify": true } });
    const parsed = parseKubeconfig(yaml);
    expect(parsed.auth).toEqual({ kind: "basic", username: "admin", password });
    expect(parsed.insecureSkipTlsVerify).toBe(true);
  });

  it("accepts the base64 of the YAML, on one line or wrapped, and returns the decoded text", () => {
    const { yaml, token } = tokenKubeconfig();
    const oneLine = b64(yaml);
    const wrapped = oneLine.replace(/(.{76})/g, "$1\n");
    for (const input of [oneLine, `${wrapped}\n`]) {
      const read = readKubeconfig(input);
      expect(read.text).toBe(yaml);
      expect(read.parsed.auth).toEqual({ kind: "token", token });
    }
  });

  it("accepts JSON (YAML's subset), as kubectl config view -o json prints it", () => {
    const { yaml, token } = tokenKubeconfig();
    expect(parseKubeconfig(JSON.stringify(parseYaml(yaml))).auth).toEqual({ kind: "token", token });
  });

  it("uses the current context when there are several", () => {
    const { yaml } = tokenKubeconfig({ extraContexts: ["staging", "dev"], currentContext: "staging" });
    const parsed = parseKubeconfig(yaml);
    expect(parsed.contextName).toBe("staging");
    expect(parsed.server).toBe("https://staging.example:6443");
  });

  it("uses the only context when current-context is missing", () => {
    const { yaml } = tokenKubeconfig({ currentContext: null });
    expect(parseKubeconfig(yaml).contextName).toBe("test-admin@test");
  });

  it("ignores what the chosen context does not use (another user's exec plugin)", () => {
    const { yaml } = tokenKubeconfig({ extraContexts: ["other"] });
    const withPlugin = yaml.replace(
      /- name: other-user\n {4}user:\n {6}token: \S+/,
      "- name: other-user\n    user:\n      exec:\n        command: aws",
    );
    expect(withPlugin).toContain("command: aws");
    expect(parseKubeconfig(withPlugin).auth.kind).toBe("token");
  });
});

describe("parseKubeconfig: refused with a 400 that names the field and never the value", () => {
  it("several contexts and no current-context: asks to pick one or flatten", () => {
    const { yaml, token } = tokenKubeconfig({ extraContexts: ["staging"], currentContext: null });
    const err = refusal(yaml, [token]);
    expect(err.message).toMatch(/2 contexts and no current-context/);
    expect(err.message).toContain("kubectl config view --raw --flatten --minify");
  });

  it("a current-context that names no context", () => {
    const { yaml, token } = tokenKubeconfig({ currentContext: "missing" });
    expect(refusal(yaml, [token]).message).toMatch(/current-context names contexts\["missing"\]/);
  });

  it("no contexts at all", () => {
    expect(refusal("apiVersion: v1\nkind: Config\nclusters: []\nusers: []\n").message).toMatch(/no contexts/);
  });

  it.each([
    ["exec", { exec: { apiVersion: "client.authentication.k8s.io/v1", command: "aws", args: ["eks"] } }],
    ["auth-provider", { "auth-provider": { name: "oidc", config: { "id-token": "secret-id-token-value" } } }],
    ["tokenFile", { tokenFile: "/var/run/secrets/token" }],
    [
      "client-certificate",
      { "client-certificate": "/home/me/.kube/client.crt", "client-key-data": b64(privateKeyPem()) },
    ],
    ["client-key", { "client-key": "/home/me/.kube/client.key" }],
    ["as", { as: "system:admin" }],
  ])("user.%s", (field, user) => {
    const token = uniqueToken();
    const yaml = kubeconfigYaml({ user: { token, ...user } });
    const err = refusal(yaml, [token, "secret-id-token-value"]);
    expect(err.message).toContain(`users["test-admin"].user.${field}`);
    expect(err.details).toMatchObject({ field: "kubeconfig", path: `users["test-admin"].user.${field}` });
  });

  it("a certificate-authority file path, pointing at the flatten command", () => {
    const { yaml, token } = tokenKubeconfig({
      cluster: { "certificate-authority": "/etc/kubernetes/pki/ca.crt" },
    });
    const err = refusal(yaml, [token]);
    expect(err.message).toContain('clusters["test"].cluster.certificate-authority names a file');
    expect(err.message).toContain("certificate-authority-data");
    expect(err.message).toContain("kubectl config view --raw --flatten --minify");
  });

  it.each([
    ["missing", undefined, /server is missing/],
    ["not a URL", "api.example", /server is not a URL/],
    ["another scheme", "ftp://api.example", /https:\/\/ \(or http:\/\/\) URL/],
    ["with credentials", "https://admin:hunter2secret@api.example", /must not carry a user name or password/],
    ["with a query", "https://api.example/?token=abc", /must not have a query/],
  ])("a server %s", (_what, server, message) => {
    const token = uniqueToken();
    const yaml = kubeconfigYaml({ user: { token } }).replace(
      "server: https://api.test.example:6443",
      server === undefined ? "insecure-skip-tls-verify: false" : `server: ${server}`,
    );
    const err = refusal(yaml, [token, "hunter2secret"]);
    expect(err.message).toMatch(message);
    if (server) expect(err.message).not.toContain(server);
  });

  it("an http server is accepted (a local kubectl proxy)", () => {
    const { yaml } = tokenKubeconfig({ server: "http://127.0.0.1:8001" });
    expect(parseKubeconfig(yaml).server).toBe("http://127.0.0.1:8001");
  });

  it("proxy-url", () => {
    const { yaml, token } = tokenKubeconfig({ cluster: { "proxy-url": "socks5://proxy:1080" } });
    expect(refusal(yaml, [token]).message).toMatch(/proxy-url is not supported/);
  });

  it("a context without a user, and a user without credentials", () => {
    const token = uniqueToken();
    const noUser = kubeconfigYaml({ user: { token } }).replace("      user: test-admin\n", "");
    expect(refusal(noUser, [token]).message).toMatch(/context\.user is missing/);
    const empty = kubeconfigYaml({ user: { username: "admin" } });
    expect(refusal(empty).message).toMatch(/password is missing/);
    expect(refusal(kubeconfigYaml({ user: {} })).message).toMatch(/no credentials the control plane can use/);
  });

  it("a context naming a user or cluster that is not listed", () => {
    const { yaml, token } = tokenKubeconfig();
    expect(refusal(yaml.replace("user: test-admin\n", "user: ghost\n"), [token]).message).toMatch(
      /users\["ghost"\] is named by the context but not in users/,
    );
  });

  it("more than one credential", () => {
    const token = uniqueToken();
    const keyPem = privateKeyPem();
    const yaml = kubeconfigYaml({
      user: {
        token,
        "client-certificate-data": b64(fakeCertificatePem()),
        "client-key-data": b64(keyPem),
      },
    });
    expect(refusal(yaml, [token, keyPem]).message).toMatch(
      /more than one credential \(token, client-certificate\)/,
    );
  });

  it("a certificate without its key, an encrypted key, data that is not base64 or not PEM", () => {
    const cert = b64(fakeCertificatePem());
    expect(refusal(kubeconfigYaml({ user: { "client-certificate-data": cert } })).message).toMatch(
      /client-key-data is missing/,
    );
    const encrypted =
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0w\n-----END ENCRYPTED PRIVATE KEY-----\n";
    expect(
      refusal(
        kubeconfigYaml({ user: { "client-certificate-data": cert, "client-key-data": b64(encrypted) } }),
        [encrypted],
      ).message,
    ).toMatch(/encrypted key/);
    const notBase64 = "not base64 at all!";
    expect(
      refusal(kubeconfigYaml({ user: { "client-certificate-data": cert, "client-key-data": notBase64 } }), [
        notBase64,
      ]).message,
    ).toMatch(/client-key-data is not base64/);
    const token = uniqueToken();
    const notPem = b64("just some text");
    expect(
      refusal(kubeconfigYaml({ cluster: { "certificate-authority-data": notPem }, user: { token } }), [token])
        .message,
    ).toMatch(/certificate-authority-data is not the base64 of a PEM certificate/);
  });

  it("a token with characters a header cannot carry", () => {
    const token = `${uniqueToken()} with spaces`;
    expect(refusal(kubeconfigYaml({ user: { token } }), [token]).message).toMatch(/token has characters/);
  });

  it("broken YAML holding a token: the position, never the line (nor the part of it the parser quotes)", () => {
    const { yaml, token } = tokenKubeconfig();
    const below = yaml.replace(`token: ${token}`, `token: ${token}\n   : [unclosed`);
    expect(refusal(below, [token]).message).toMatch(/not valid YAML at line \d+, column \d+/);
    const unclosed = yaml.replace(`token: ${token}`, `token: "${token}`);
    expect(refusal(unclosed, [token]).message).toMatch(
      /not valid YAML at line \d+, column \d+ \(MISSING_CHAR\)/,
    );
  });

  it("a duplicated key, a non-mapping document, another kind, an empty or huge input", () => {
    const { yaml, token } = tokenKubeconfig();
    expect(refusal(`${yaml}current-context: again\n`, [token]).message).toMatch(/DUPLICATE_KEY/);
    expect(refusal("- a\n- b\n").message).toMatch(/must be a YAML mapping/);
    expect(refusal(yaml.replace("kind: Config", "kind: Secret"), [token]).message).toMatch(
      /kind must be Config/,
    );
    expect(refusal("   \n").message).toMatch(/empty/);
    const huge = `${yaml}# ${"x".repeat(MAX_KUBECONFIG_BYTES)}\n`;
    expect(refusal(huge, [token]).message).toMatch(/larger than 256 KiB/);
    expect(refusal(b64(huge), [token]).message).toMatch(/larger than 256 KiB/);
  });

  it("base64 of something that is not text", () => {
    expect(refusal(Buffer.from([0xff, 0xfe, 0x00, 0x80]).toString("base64")).message).toMatch(
      /must be a YAML mapping with clusters, contexts and users \(or the base64 of one\)/,
    );
  });

  it("a YAML alias bomb", () => {
    const lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 12; i++)
      lines.push(
        `${"b".repeat(i)}: &${"b".repeat(i)} [${Array(10)
          .fill(i === 1 ? "*a" : `*${"b".repeat(i - 1)}`)
          .join(", ")}]`,
      );
    expect(refusal(lines.join("\n")).message).toMatch(/not valid YAML \(too many aliases\)/);
  });
});
