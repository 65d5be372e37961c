/**
 * Runs one command on a test host over a real SSH connection (ssh2), pinning
 * the host key the launcher generated. For tests; the agent has its own client.
 */
import ssh2 from "ssh2";
import { fingerprintOfBlob } from "./keys.ts";
import { connectionConfig, type TestHost } from "./test-host.ts";

export interface ExecResult {
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Written to the command's stdin, then EOF. Without it stdin is closed at once. */
  stdin?: string;
  /** Defaults to the host's own client key. */
  privateKey?: string;
  timeoutMs?: number;
}

export function sshExec(host: TestHost, command: string, opts: ExecOptions = {}): Promise<ExecResult> {
  const { Client } = ssh2;
  return new Promise((resolve, reject) => {
    const client = new Client();
    const timer = setTimeout(() => {
      client.end();
      reject(new Error(`ssh ${host.name}: timed out running ${command}`));
    }, opts.timeoutMs ?? 20_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      client.end();
      reject(err);
    };
    client.on("error", fail);
    client.on("ready", () => {
      client.exec(command, (err, stream) => {
        if (err) return fail(err);
        let stdout = "";
        let stderr = "";
        stream.on("data", (d: Buffer) => {
          stdout += d.toString();
        });
        stream.stderr.on("data", (d: Buffer) => {
          stderr += d.toString();
        });
        stream.on("close", (code: number | null | undefined, signal?: string) => {
          clearTimeout(timer);
          client.end();
          resolve({ code: code ?? null, signal, stdout, stderr });
        });
        stream.end(opts.stdin ?? "");
      });
    });
    client.connect({
      ...connectionConfig(host),
      privateKey: opts.privateKey ?? host.privateKey,
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => fingerprintOfBlob(key) === host.hostKeyFingerprint,
    });
  });
}
