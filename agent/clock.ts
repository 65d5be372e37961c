/**
 * The agent's one source of "now". Deadlines, sync ages and template-node
 * timestamps all read it, so tests can pin time without fake timers.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
