/**
 * Waiting in tests for something another process or loop does: one home for
 * the polling, so every test waits the same way and fails with what it saw.
 *
 *   await eventually(() => expect(x).toBe(1));          // retries the assertion
 *   const m = await waitFor("ready", () => find());     // resolves with the first truthy value
 */

/** Retries `check` until it stops throwing; rethrows its last failure after `timeoutMs`. */
export async function eventually(
  check: () => void | Promise<void>,
  timeoutMs = 5_000,
  intervalMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

/** Polls `check` until it answers something truthy and resolves with it; names `what` (and the last answer) on timeout. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  intervalMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(value)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
