/** Flags several commands share, declared once so their help reads the same everywhere. */
import { type Command, Option } from "commander";
import { collect, durationMs, wholeNumber } from "./args.ts";

export function withSetOptions(cmd: Command): Command {
  return cmd
    .option("--set <KEY=VALUE>", "a field to set, repeatable; VALUE is JSON when it parses as JSON", collect)
    .option("--set-string <KEY=VALUE>", "the same, VALUE always text", collect);
}

export interface ListOptions {
  limit?: number;
  watch?: boolean;
  watchInterval: number;
}

/** --limit, --watch and --watch-interval of every list command. */
export function withListOptions(cmd: Command): Command {
  return cmd
    .option("--limit <n>", "at most this many items (default: all, fetched 500 a request)", wholeNumber)
    .option("-w, --watch", "keep polling and print what changes (ADDED, MODIFIED, DELETED) until Ctrl-C")
    .addOption(
      new Option("--watch-interval <duration>", "how often --watch polls (e.g. 2s, 1m)")
        .default(2000, "2s")
        .argParser(durationMs),
    );
}

export function withSelector(cmd: Command, what: string): Command {
  return cmd.option(
    "-l, --selector <selector>",
    `Kubernetes label selector on the ${what}' labels, e.g. env=prod,tier in (a,b),!legacy`,
  );
}

export function withExpectedVersion(cmd: Command): Command {
  return cmd.option(
    "--expected-version <n>",
    "refuse the change (exit 4) unless the machine is still at this version",
    wholeNumber,
  );
}
