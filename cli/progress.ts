/**
 * Progress bars (cli-progress) for long work: importing thousands of rows,
 * waiting for a pool to reach a size. Drawn on stderr, and only when stderr
 * is a terminal, so stdout stays clean for scripts and logs get no bar noise.
 */
import { SingleBar } from "cli-progress";

export interface Progress {
  update(value: number, total?: number): void;
  stop(): void;
}

const SILENT: Progress = { update() {}, stop() {} };

export function startProgress(
  stream: NodeJS.WritableStream | null,
  label: string,
  total: number,
  unit: string,
): Progress {
  if (!stream) return SILENT;
  const bar = new SingleBar({
    stream,
    format: `${label} [{bar}] {value}/{total} ${unit} | {percentage}% | {duration_formatted}`,
    hideCursor: true,
    // The caller passes a stream only when it is a terminal; draw on it whatever it reports.
    noTTYOutput: true,
    clearOnComplete: false,
    barsize: 30,
  });
  bar.start(total, 0);
  return {
    update(value, newTotal) {
      if (newTotal !== undefined) bar.setTotal(newTotal);
      bar.update(value);
    },
    stop() {
      bar.stop();
    },
  };
}
