import { chmodSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CliError } from "../../../cli/api.ts";
import { resolveCliConfig } from "../../../cli/config.ts";
import { type ConfigFile, configPath, readConfigFile, writeConfigFile } from "../../../cli/config-file.ts";
import { runCli } from "../../../cli/run.ts";
import { testDeps } from "../../support/cli/deps.ts";
import { scopedSelf } from "../../support/cli/fixtures.ts";

const fresh = () => mkdtempSync(join(tmpdir(), "ksp-config-"));

describe("the config file", () => {
  it("lives at $KSP_CONFIG, else $XDG_CONFIG_HOME/ksp, else ~/.config/ksp", () => {
    expect(configPath({ KSP_CONFIG: "/a/b.yaml", XDG_CONFIG_HOME: "/x", HOME: "/h" })).toBe("/a/b.yaml");
    expect(configPath({ XDG_CONFIG_HOME: "/x", HOME: "/h" })).toBe("/x/ksp/config.yaml");
    expect(configPath({ HOME: "/h" })).toBe("/h/.config/ksp/config.yaml");
  });

  it("is written 0600 in a 0700 directory, and reads back; an absent file is empty", () => {
    const path = join(fresh(), "ksp", "config.yaml");
    expect(readConfigFile(path)).toEqual({ currentContext: null, contexts: [] });
    const config: ConfigFile = {
      currentContext: "prod",
      contexts: [
        { name: "prod", url: "https://ksp.example.net", token: "ksp_adm_x" },
        { name: "lab", url: "http://10.0.0.1:8787" },
      ],
    };
    writeConfigFile(path, config);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    expect(readConfigFile(path)).toEqual(config);
  });

  it("refuses a file others may read, or one that is not a config", () => {
    const path = join(fresh(), "config.yaml");
    writeConfigFile(path, { currentContext: null, contexts: [] });
    chmodSync(path, 0o640);
    expect(() => readConfigFile(path)).toThrow(/others may read it \(mode 0640\); run chmod 600/);
    expect(readConfigFile(path, { allowOpen: true }).contexts).toEqual([]);
    chmodSync(path, 0o600);
    writeFileSync(path, "contexts: 3\n");
    expect(() => readConfigFile(path)).toThrow(CliError);
  });
});

describe("where the URL and token come from", () => {
  const file: ConfigFile = {
    currentContext: "prod",
    contexts: [
      { name: "prod", url: "https://prod.example.net/", token: "tok_prod" },
      { name: "lab", url: "http://lab:8787", token: "tok_lab" },
    ],
  };
  const read = () => file;

  it("takes flags over the environment over the context", () => {
    expect(resolveCliConfig({}, {}, read)).toMatchObject({
      url: "https://prod.example.net",
      token: "tok_prod",
      contextName: "prod",
    });
    expect(resolveCliConfig({ context: "lab" }, {}, read)).toMatchObject({
      url: "http://lab:8787",
      token: "tok_lab",
    });
    expect(resolveCliConfig({ context: "lab" }, { KSP_TOKEN: "tok_env" }, read).token).toBe("tok_env");
    expect(resolveCliConfig({ token: "tok_flag" }, { KSP_TOKEN: "tok_env" }, read).token).toBe("tok_flag");
    expect(resolveCliConfig({ url: "http://lab:8787/" }, { KSP_URL: "http://x" }, read).url).toBe(
      "http://lab:8787",
    );
  });

  it("never sends a context's token to another URL", () => {
    expect(resolveCliConfig({}, { KSP_URL: "https://evil.example.net" }, read)).toMatchObject({
      url: "https://evil.example.net",
      token: null,
    });
  });

  it("does not read the file when the flags and environment say everything", () => {
    const config = resolveCliConfig({}, { KSP_URL: "http://a", KSP_TOKEN: "t" }, () => {
      throw new Error("read");
    });
    expect(config).toMatchObject({ url: "http://a", token: "t", contextName: null });
  });

  it("refuses credentials, a query or a fragment in the URL, and an unknown context (usage, exit 2)", () => {
    for (const url of ["http://u:p@h", "http://h/?token=x", "http://h/#t", "ftp://h"]) {
      expect(() => resolveCliConfig({ url }, {}, read)).toThrow(
        expect.objectContaining({ exitCode: 2, line: expect.stringMatching(/^error: --url: /) }),
      );
    }
    expect(() => resolveCliConfig({ context: "nope" }, {}, read)).toThrow(/no context named "nope"/);
  });
});

describe("ksp login", () => {
  it("asks for the token on the terminal, checks it, says whom it signs in as, and never prints the token", async () => {
    const path = join(fresh(), "ksp.yaml");
    const seen: string[] = [];
    const deps = testDeps(
      { KSP_CONFIG: path },
      async (input, init) => {
        const request = new Request(input, init);
        seen.push(
          `${request.method} ${new URL(request.url).pathname} ${request.headers.get("authorization")}`,
        );
        return Response.json(scopedSelf);
      },
      { promptSecret: async () => "ksp_adm_secret\n" },
    );
    const code = await runCli(["login", "--url", "https://ksp.example.net"], deps);
    expect(code).toBe(0);
    expect(seen).toEqual(["GET /v1/tokens/self Bearer ksp_adm_secret"]);
    expect(readConfigFile(path)).toEqual({
      currentContext: "ksp.example.net",
      contexts: [{ name: "ksp.example.net", url: "https://ksp.example.net", token: "ksp_adm_secret" }],
    });
    const { stdout, stderr } = deps.out();
    expect(stderr).toBe(
      `Logged in to https://ksp.example.net as ci-deployer (operator, cluster demo), context "ksp.example.net" (${path})\n`,
    );
    expect(stdout + stderr).not.toContain("ksp_adm_secret");
  });

  it("needs a terminal or --token-stdin", async () => {
    const deps = testDeps({ KSP_CONFIG: join(fresh(), "c.yaml") }, fetch);
    expect(await runCli(["login", "--url", "http://h"], deps)).toBe(2);
    expect(deps.out().stderr).toBe("error: no terminal to ask for the token on: give --token-stdin\n");
  });
});
