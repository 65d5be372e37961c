import { describe, expect, it } from "vitest";
import { AGENT_FIELDS } from "../../../agent/config/fields.ts";
import { parseDurationMs, parseListenAddress } from "../../../agent/config/values.ts";
import {
  type AgentConfig,
  agentHelpText,
  maskedAgentConfig,
  parseAgentConfig,
} from "../../../agent/config.ts";
import { createLogger } from "../../../shared/logger.ts";
import { maskSecrets } from "../../../shared/mask-secrets.ts";

const SECRET = "ksp_reg_SuperSecretValue123";
const hostname = () => "node-a";
const baseEnv = { KSP_CONTROL_PLANE_URL: "https://cp.example.com/", KSP_CLUSTER: "prod-1" };

function parseOk(argv: string[], env: Record<string, string> = baseEnv): AgentConfig {
  const result = parseAgentConfig(argv, env, hostname);
  if (!result.ok) throw new Error(`expected a valid config, got: ${result.errors.join("; ")}`);
  return result.config;
}

function parseErrors(argv: string[], env: Record<string, string> = baseEnv): string[] {
  const result = parseAgentConfig(argv, env, hostname);
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.errors;
}

describe("parseAgentConfig", () => {
  it("fills in every default", () => {
    expect(parseOk([])).toEqual({
      controlPlaneUrl: "https://cp.example.com",
      cluster: "prod-1",
      registration: { token: null, tokenFile: null },
      credentialFile: "/var/run/ksp/credential",
      credentialSecret: null,
      grpc: { listen: { host: "0.0.0.0", port: 8086 }, tls: null },
      healthListen: { host: "0.0.0.0", port: 8087 },
      syncIntervalMs: 5000,
      syncMaxIntervalMs: 60_000,
      snapshotIntervalMs: 300_000,
      lease: {
        name: "ksp-agent",
        namespace: "kube-system",
        identity: "node-a",
        durationMs: 15_000,
        renewDeadlineMs: 10_000,
        retryPeriodMs: 2_000,
      },
      sshKeyDir: null,
      logLevel: "info",
      kubeconfig: null,
      gpuLabel: "nvidia.com/gpu.product",
      lifecycle: {
        apiServerEndpoint: null,
        caCertHash: null,
        hostKeyPolicy: "pin-on-first-use",
        sshConcurrency: 20,
        bootstrapTokenTtlMs: 3_600_000,
        shutdownGraceMs: 20_000,
      },
    } satisfies AgentConfig);
  });

  it("takes the lifecycle settings from flags or the environment and refuses bad ones", () => {
    const hash = `sha256:${"AB".repeat(32)}`;
    const config = parseOk([
      "--api-server-endpoint",
      "[fd00::1]:6443",
      "--ca-cert-hash",
      hash,
      "--ssh-host-key-policy",
      "require-known",
      "--ssh-concurrency",
      "5",
      "--bootstrap-token-ttl",
      "30m",
      "--shutdown-grace-period",
      "0s",
    ]);
    expect(config.lifecycle).toEqual({
      apiServerEndpoint: "[fd00::1]:6443",
      caCertHash: hash.toLowerCase(),
      hostKeyPolicy: "require-known",
      sshConcurrency: 5,
      bootstrapTokenTtlMs: 1_800_000,
      shutdownGraceMs: 0,
    });
    expect(
      parseOk([], { ...baseEnv, KSP_API_SERVER_ENDPOINT: "api.example.com:443" }).lifecycle.apiServerEndpoint,
    ).toBe("api.example.com:443");
    expect(
      parseErrors([
        "--api-server-endpoint",
        "https://10.0.0.1:6443",
        "--ca-cert-hash",
        "sha256:xyz",
        "--ssh-host-key-policy",
        "trust-all",
        "--ssh-concurrency",
        "0",
        "--bootstrap-token-ttl",
        "10s",
        "--shutdown-grace-period",
        "1h",
      ]),
    ).toEqual([
      "--api-server-endpoint: must be host:port, e.g. 10.0.0.1:6443 or [fd00::1]:6443",
      "--ca-cert-hash: must be sha256: and 64 hex digits",
      "--ssh-host-key-policy: must be one of pin-on-first-use, require-known",
      "--ssh-concurrency: must be a whole number from 1 to 1000",
      "--bootstrap-token-ttl: must be at least 1m",
      "--shutdown-grace-period: must be at most 10m",
    ]);
  });

  it("takes the leader-election timings from flags or the environment", () => {
    const config = parseOk(["--lease-duration", "30s", "--lease-renew-deadline", "20s"], {
      ...baseEnv,
      KSP_LEASE_RETRY_PERIOD: "1500ms",
    });
    expect(config.lease).toMatchObject({ durationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 1500 });
    expect(maskedAgentConfig(config).lease).toMatchObject({
      duration: "30s",
      renewDeadline: "20s",
      retryPeriod: "1500ms",
    });
  });

  it("refuses timings a standby could take over under a live leader with, naming where each came from", () => {
    expect(parseErrors(["--lease-duration", "10s"])).toEqual([
      "--lease-renew-deadline: must be shorter than --lease-duration",
    ]);
    expect(parseErrors(["--lease-retry-period", "10s"], { ...baseEnv, KSP_LEASE_DURATION: "20s" })).toEqual([
      "--lease-retry-period: must be shorter than --lease-renew-deadline",
    ]);
    expect(
      parseErrors([], { ...baseEnv, KSP_LEASE_RENEW_DEADLINE: "15s", KSP_LEASE_RETRY_PERIOD: "15s" }),
    ).toEqual([
      "KSP_LEASE_RENEW_DEADLINE: must be shorter than --lease-duration",
      "KSP_LEASE_RETRY_PERIOD: must be shorter than KSP_LEASE_RENEW_DEADLINE",
    ]);
    expect(
      parseErrors([
        "--lease-duration",
        "1500ms",
        "--lease-renew-deadline",
        "50ms",
        "--lease-retry-period",
        "soon",
      ]),
    ).toEqual([
      "--lease-duration: must be whole seconds, at least 1s",
      "--lease-renew-deadline: must be at least 100ms",
      '--lease-retry-period: must be a duration such as "15s" or "500ms"',
    ]);
  });

  it("takes the GPU label from --gpu-label or KSP_GPU_LABEL", () => {
    expect(parseOk(["--gpu-label", "example.com/accelerator"]).gpuLabel).toBe("example.com/accelerator");
    expect(parseOk([], { ...baseEnv, KSP_GPU_LABEL: "gpu-type" }).gpuLabel).toBe("gpu-type");
    expect(parseOk(["--gpu-label=a.b/c"], { ...baseEnv, KSP_GPU_LABEL: "gpu-type" }).gpuLabel).toBe("a.b/c");
  });

  it("rejects a GPU label that is not a Kubernetes label key", () => {
    const message = "must be a Kubernetes label key such as nvidia.com/gpu.product";
    for (const bad of ["has space", "/name", "Bad_Prefix/name", "prefix/", `x/${"n".repeat(64)}`, "a/b/c"]) {
      expect(parseErrors(["--gpu-label", bad])).toEqual([`--gpu-label: ${message}`]);
    }
    expect(parseErrors([], { ...baseEnv, KSP_GPU_LABEL: "-x" })).toEqual([`KSP_GPU_LABEL: ${message}`]);
  });

  it("keeps the credential in a Secret when --credential-secret or KSP_AGENT_CREDENTIAL_SECRET names one", () => {
    expect(parseOk(["--credential-secret", "ksp-agent-credential"]).credentialSecret).toBe(
      "ksp-agent-credential",
    );
    expect(parseOk([], { ...baseEnv, KSP_AGENT_CREDENTIAL_SECRET: "creds" }).credentialSecret).toBe("creds");
    expect(parseErrors(["--credential-secret", "Not_A_Name"])).toEqual([
      expect.stringMatching(/^--credential-secret: /),
    ]);
  });

  it("takes the snapshot interval from --snapshot-interval or KSP_SNAPSHOT_INTERVAL, within 10s to 1h", () => {
    expect(parseOk(["--snapshot-interval", "30s"]).snapshotIntervalMs).toBe(30_000);
    expect(parseOk([], { ...baseEnv, KSP_SNAPSHOT_INTERVAL: "1h" }).snapshotIntervalMs).toBe(3_600_000);
    expect(parseErrors(["--snapshot-interval", "5s"])).toEqual(["--snapshot-interval: must be at least 10s"]);
    expect(parseErrors(["--snapshot-interval", "2h"])).toEqual(["--snapshot-interval: must be at most 1h"]);
    expect(parseErrors(["--snapshot-interval", "often"])).toEqual([
      '--snapshot-interval: must be a duration such as "5m" or "30s"',
    ]);
  });

  it("lets flags win over environment variables", () => {
    const env = { ...baseEnv, KSP_SYNC_INTERVAL: "30s", KSP_LOG_LEVEL: "warn", KSP_POD_NAME: "from-env" };
    const config = parseOk(["--sync-interval=1m30s", "--log-level", "debug", "--cluster", "edge-2"], env);
    expect(config.syncIntervalMs).toBe(90_000);
    // the idle backoff's bound never lies below the interval
    expect(config.syncMaxIntervalMs).toBe(90_000);
    expect(parseOk(["--sync-max-interval", "2m"], env).syncMaxIntervalMs).toBe(120_000);
    expect(config.logLevel).toBe("debug");
    expect(config.cluster).toBe("edge-2");
    expect(config.lease.identity).toBe("from-env");
  });

  it("treats empty environment variables as unset", () => {
    expect(parseOk([], { ...baseEnv, KSP_GRPC_LISTEN: "", KSP_SSH_KEY_DIR: "" }).grpc.listen.port).toBe(8086);
  });

  it("builds mutual TLS only when a client CA is given", () => {
    const tlsFlags = ["--grpc-tls-cert", "/tls/tls.crt", "--grpc-tls-key", "/tls/tls.key"];
    expect(parseOk(tlsFlags).grpc.tls).toEqual({
      certFile: "/tls/tls.crt",
      keyFile: "/tls/tls.key",
      clientCaFile: null,
    });
    expect(parseOk([...tlsFlags, "--grpc-tls-client-ca", "/tls/ca.crt"]).grpc.tls?.clientCaFile).toBe(
      "/tls/ca.crt",
    );
  });

  it("rejects a URL that is not http(s) with the flag name", () => {
    expect(parseErrors(["--control-plane-url", "ftp://cp.example.com"])).toEqual([
      "--control-plane-url: must be an http(s) URL",
    ]);
    expect(parseErrors(["--control-plane-url", "not a url"])).toEqual([
      "--control-plane-url: must be an http(s) URL",
    ]);
  });

  it("names the environment variable when the bad value came from there", () => {
    expect(parseErrors([], { ...baseEnv, KSP_SYNC_INTERVAL: "soon" })).toEqual([
      'KSP_SYNC_INTERVAL: must be a duration such as "5s", "1m30s" or "1500ms"',
    ]);
  });

  it("reports missing required settings with both ways to set them", () => {
    expect(parseErrors([], {})).toEqual([
      "--control-plane-url: is required (pass --control-plane-url or set KSP_CONTROL_PLANE_URL)",
      "--cluster: is required (pass --cluster or set KSP_CLUSTER)",
    ]);
  });

  it("rejects bad durations, listen addresses, names and log levels", () => {
    expect(parseErrors(["--sync-interval", "500ms"])).toEqual(["--sync-interval: must be at least 1s"]);
    expect(parseErrors(["--grpc-listen", "8086"])).toEqual([
      "--grpc-listen: must be host:port, e.g. 0.0.0.0:8086 or [::]:8086",
    ]);
    expect(parseErrors(["--cluster", "Prod_1"])[0]).toMatch(/^--cluster: must be a DNS-1123 label/);
    expect(parseErrors(["--log-level", "verbose"])).toEqual([
      "--log-level: must be one of debug, info, warn, error",
    ]);
  });

  it("rejects half a TLS configuration", () => {
    expect(parseErrors(["--grpc-tls-cert", "/tls/tls.crt"])).toEqual([
      "--grpc-tls-key: is required when --grpc-tls-cert is set",
    ]);
    expect(parseErrors([], { ...baseEnv, KSP_GRPC_TLS_KEY: "/tls/tls.key" })).toEqual([
      "--grpc-tls-cert: is required when KSP_GRPC_TLS_KEY is set",
    ]);
    expect(parseErrors(["--grpc-tls-client-ca", "/tls/ca.crt"])).toEqual([
      "--grpc-tls-client-ca: mutual TLS also needs --grpc-tls-cert and --grpc-tls-key",
    ]);
  });

  it("rejects unknown flags, missing flag values and positional arguments", () => {
    expect(parseErrors(["--colour=blue"])).toEqual(["--colour: unknown option (see --help)"]);
    expect(parseErrors(["--cluster"])).toEqual(["--cluster: requires a value"]);
    expect(parseErrors(["extra"])).toEqual(["argument 1: unexpected; the agent takes only --flags"]);
  });

  it("never echoes a secret in an error", () => {
    const errors = [
      ...parseErrors([], { ...baseEnv, KSP_REGISTRATION_TOKEN: "has space ksp_reg_x" }),
      ...parseErrors(["--registration-token-file", "/t"], { ...baseEnv, KSP_REGISTRATION_TOKEN: SECRET }),
      ...parseErrors([`--registration-token=${SECRET}`]),
      ...parseErrors([SECRET]),
      ...parseErrors(["--control-plane-url", `https://agent:${SECRET}@cp.example.com`]),
      ...parseErrors(["--sync-interval", SECRET]),
    ];
    expect(errors).toHaveLength(6);
    for (const error of errors) expect(error).not.toContain("SuperSecret");
    expect(errors[0]).toBe(
      "KSP_REGISTRATION_TOKEN: must be a single token of 8 to 4096 characters without spaces",
    );
  });
});

describe("maskedAgentConfig", () => {
  it("hides the registration token but keeps paths and addresses readable", () => {
    const config = parseOk(["--grpc-listen", "[::]:9000"], { ...baseEnv, KSP_REGISTRATION_TOKEN: SECRET });
    expect(config.registration.token).toBe(SECRET);
    const masked = maskedAgentConfig(config);
    expect(JSON.stringify(masked)).not.toContain("SuperSecret");
    expect(masked).toMatchObject({
      registration: { token: "****", tokenFile: null },
      credentialFile: "/var/run/ksp/credential",
      grpc: { listen: "[::]:9000", tls: null },
      syncInterval: "5s",
      snapshotInterval: "300s",
    });
  });

  it("stays masked when written through the agent logger", () => {
    const lines: string[] = [];
    const logger = createLogger({ sink: (line) => lines.push(line) });
    const config = parseOk([], { ...baseEnv, KSP_REGISTRATION_TOKEN: SECRET });
    logger.info("agent starting", { config: maskedAgentConfig(config), raw: config });
    logger.error("exchange failed", { err: new Error(`server rejected ${SECRET}`) });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toContain("SuperSecret");
    expect(JSON.parse(lines[0]!).config.credentialFile).toBe("/var/run/ksp/credential");
  });

  it("masks secret-named fields and token-shaped substrings", () => {
    expect(maskSecrets({ apiToken: "abc", tokenFile: "/x", note: `Bearer abc.def and ${SECRET}` })).toEqual({
      apiToken: "****",
      tokenFile: "/x",
      note: "Bearer **** and ksp_reg_****",
    });
  });
});

describe("value parsers and help", () => {
  it("parses Go-style durations and listen addresses", () => {
    expect(parseDurationMs("1h2m3s")).toBe(3_723_000);
    expect(parseDurationMs("1.5s")).toBe(1500);
    expect(parseDurationMs("5")).toBeUndefined();
    expect(parseListenAddress(":8087")).toEqual({ host: "0.0.0.0", port: 8087 });
    expect(parseListenAddress("[::1]:0")).toEqual({ host: "::1", port: 0 });
    expect(parseListenAddress("0.0.0.0:70000")).toBeUndefined();
  });

  it("lists every setting with its env variable and default", () => {
    const help = agentHelpText();
    for (const field of AGENT_FIELDS) {
      if (field.flag) expect(help).toContain(`--${field.flag}`);
      expect(help).toContain(field.env);
      if (field.default) expect(help).toContain(`default ${field.default}`);
    }
  });
});
