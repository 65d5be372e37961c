#!/usr/bin/env node
/**
 * Fake crictl for an empty containerd: --version, version, info (runtime and
 * network ready), ps/pods/images with nothing in them, and the cleanup verbs
 * (rm, rmp, stopp, rmi) as no-ops. Every call but --version fails like the
 * real one when the containerd unit is not active.
 */
import { readUnits, runFake } from "./lib.mjs";

const CRICTL_VERSION = "v1.31.1";
const CONTAINERD_VERSION = "v1.7.22";
const ENDPOINT = "unix:///run/containerd/containerd.sock";
const out = (text) => process.stdout.write(`${text}\n`);

const HEADERS = {
  ps: "CONTAINER           IMAGE               CREATED             STATE               NAME                ATTEMPT             POD ID              POD",
  pods: "POD ID              CREATED             STATE               NAME                NAMESPACE           ATTEMPT             RUNTIME",
  images: "IMAGE               TAG                 IMAGE ID            SIZE",
};

const info = {
  status: {
    conditions: [
      { type: "RuntimeReady", status: true, reason: "", message: "" },
      { type: "NetworkReady", status: true, reason: "", message: "" },
    ],
  },
  config: { containerd: { defaultRuntimeName: "runc" }, sandboxImage: "registry.k8s.io/pause:3.10" },
};

await runFake("crictl", async (args) => {
  if (args.includes("--version") || args.includes("-v")) {
    out(`crictl version ${CRICTL_VERSION}`);
    return 0;
  }
  const verb = args.find((a) => !a.startsWith("-"));
  if (!readUnits().containerd?.active) {
    process.stderr.write(
      `validate service connection: validate CRI v1 runtime API for endpoint "${ENDPOINT}": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory"\n`,
    );
    return 1;
  }
  const quiet = args.includes("-q") || args.includes("--quiet");
  switch (verb) {
    case "version":
      out(
        `Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  ${CONTAINERD_VERSION}\nRuntimeApiVersion:  v1`,
      );
      return 0;
    case "info":
      out(JSON.stringify(info, null, 2));
      return 0;
    case "ps":
    case "pods":
    case "images":
    case "img":
      if (!quiet) out(HEADERS[verb === "img" ? "images" : verb]);
      return 0;
    case "rm":
    case "rmp":
    case "stop":
    case "stopp":
    case "rmi":
      return 0;
    default:
      process.stderr.write(`fake crictl: unsupported command ${verb ?? "(none)"}\n`);
      return 1;
  }
});
