/**
 * Agent entry point and composition root: config → adapters → run.
 * Later issues plug in here: the control-plane client (registration, ETag
 * sync), the Kubernetes client (Lease, node informer), SSH, and the
 * externalgrpc server. Each becomes an adapter built in `buildAgent` and
 * contributes to readiness and to the shutdown sequence.
 */
import packageJson from "../package.json" with { type: "json" };
import { formatListenAddress } from "./config/values.ts";
import { type AgentConfig, agentHelpText, maskedAgentConfig, parseAgentConfig } from "./config.ts";
import { type HealthServer, type Readiness, startHealthServer } from "./health.ts";
import { createLogger, type Logger, maskSecrets } from "./log.ts";

const EXIT_OK = 0;
const EXIT_RUNTIME_FAILURE = 1;
const EXIT_BAD_CONFIG = 2;

interface Agent {
  start(): Promise<void>;
  stop(): Promise<void>;
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "::1" || host === "[::1]" || host.startsWith("127.");
}

function buildAgent(config: AgentConfig, logger: Logger): Agent {
  // Until registration lands there is nothing that could make the agent ready.
  const readiness = (): Readiness => ({ ready: false, reason: "not registered" });
  let health: HealthServer | undefined;
  return {
    async start() {
      health = await startHealthServer({ listen: config.healthListen, readiness, logger });
      logger.info("health server listening", { address: formatListenAddress(health.address) });
      logger.warn("not implemented yet: control-plane sync and gRPC server land in later issues");
    },
    async stop() {
      await health?.close();
    },
  };
}

/** Resolves on the first SIGTERM or SIGINT; a second one means "stop waiting for a clean shutdown". */
function shutdownSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.once(signal, () => process.exit(EXIT_RUNTIME_FAILURE));
      logger.info("shutdown requested", { signal });
      resolve(signal);
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  });
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(agentHelpText());
    return EXIT_OK;
  }
  if (argv.includes("--version")) {
    process.stdout.write(`ksp-agent ${packageJson.version}\n`);
    return EXIT_OK;
  }
  const parsed = parseAgentConfig(argv, env);
  if (!parsed.ok) {
    for (const error of parsed.errors) process.stderr.write(`invalid config: ${error}\n`);
    process.stderr.write("run with --help for the list of settings\n");
    return EXIT_BAD_CONFIG;
  }
  const config = parsed.config;
  const logger = createLogger({
    level: config.logLevel,
    base: { component: "agent", cluster: config.cluster },
  });
  logger.info("agent starting", { version: packageJson.version, config: maskedAgentConfig(config) });
  if (!config.controlPlaneUrl.startsWith("https:") && !isLoopback(config.controlPlaneUrl)) {
    logger.warn("control plane URL is not https; tokens would cross the network in clear text");
  }
  const agent = buildAgent(config, logger);
  const stopped = shutdownSignal(logger);
  try {
    await agent.start();
  } catch (err) {
    logger.error("agent failed to start", { err });
    await agent.stop();
    return EXIT_RUNTIME_FAILURE;
  }
  await stopped;
  await agent.stop();
  logger.info("agent stopped");
  return EXIT_OK;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`fatal: ${String(maskSecrets(err instanceof Error ? err.message : String(err)))}\n`);
    process.exit(EXIT_RUNTIME_FAILURE);
  },
);
