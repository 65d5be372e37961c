/**
 * The list prices the fleet bench turns its counts into money with. Each row
 * names its source and the date it was read; prices change, so re-check them
 * before quoting a figure, and change them here (the bench prints the table it
 * used). All in USD, marginal (past each plan's included allowance: at fleet
 * scale the allowances are used up by the first few hundred clusters).
 */

export const FLEET_PRICES = {
  /**
   * Cloudflare Workers Paid (Standard usage model): $5/month per account, 10 M requests and
   * 30 M CPU-ms included, then $0.30 per million requests and $0.02 per million CPU
   * milliseconds. Cron Triggers and Queue consumer invocations are billed like requests.
   * Source: https://developers.cloudflare.com/workers/platform/pricing/ (read 2026-12-07 through
   * the docs search: the limits page and third-party transcriptions dated 2026-08 and 2026-10
   * agree on $0.30/M requests and $0.02/M CPU-ms).
   */
  workers: {
    baseMonthlyUsd: 5,
    includedRequests: 10_000_000,
    includedCpuMs: 30_000_000,
    perMillionRequestsUsd: 0.3,
    perMillionCpuMsUsd: 0.02,
  },
  /**
   * Cloudflare Queues (Workers Paid): $0.40 per million operations past 1 M/month; one
   * delivered message is 3 operations (write, read, delete) per 64 KB.
   * Source: https://developers.cloudflare.com/queues/platform/pricing/ (read 2026-12-07 through
   * the docs search, transcription of that page).
   */
  queues: { perMillionOperationsUsd: 0.4, operationsPerMessage: 3 },
  /**
   * Upstash Redis pay-as-you-go: $0.20 per 100,000 commands (a pipeline or transaction is billed
   * per command in it; EVALSHA is one command). Source: https://upstash.com/pricing/redis (read
   * 2026-12-07 through the docs search: Upstash's pricing page as transcribed 2026-09-20 and
   * 2026-11-09).
   */
  upstash: { per100kCommandsUsd: 0.2 },
  /**
   * Neon Launch plan compute: $0.106 per CU-hour, smallest compute 0.25 CU. A compute suspends
   * ("scales to zero") after 5 minutes without queries (the default, fixed on Free and Launch),
   * so a database queried at least every 5 minutes never suspends. The bench models that as: an
   * hour with no query costs no compute, any other hour is billed whole at the minimum CU — a
   * lower bound, since a busy fleet autoscales above 0.25 CU. Storage is left out (it does not
   * depend on idleness). Sources: https://neon.com/docs/introduction/plans (updated
   * 2026-11-12: "$0.106/CU-hour on Launch, $0.222/CU-hour on Scale") and
   * https://neon.com/docs/introduction/scale-to-zero (5 minutes), both read 2026-12-07.
   */
  neon: { perCuHourUsd: 0.106, minimumCu: 0.25, suspendAfterMs: 5 * 60_000 },
} as const;

/** Billing months are 730 hours (8,760 / 12), as the providers' calculators use. */
export const HOURS_PER_MONTH = 730;
