/**
 * Where a request comes from, as far as the platform can vouch for it. Each
 * composition root picks one resolver: Workers trust only CF-Connecting-IP
 * (set by Cloudflare's edge); Node trusts the socket, or X-Forwarded-For's
 * Nth entry from the right when KSP_TRUSTED_PROXIES=N proxies stand in front.
 * Rate limits and audit rows use this, never a header a client can choose.
 */
import type { Context } from "hono";

export type ClientAddress = (c: Context) => string | null;

const MAX_ADDRESS_LENGTH = 64;

function tidy(address: string | undefined | null): string | null {
  const trimmed = address?.trim();
  if (!trimmed) return null;
  // IPv4 clients of a dual-stack socket show up as ::ffff:a.b.c.d
  const plain = trimmed.startsWith("::ffff:") && trimmed.includes(".") ? trimmed.slice(7) : trimmed;
  return plain.slice(0, MAX_ADDRESS_LENGTH);
}

/**
 * The client as seen by the outermost of `trustedProxies` proxies: each proxy appends the
 * address it saw, so the Nth entry from the right was written by a proxy we trust; everything
 * to its left is whatever the client sent. Null when the header has fewer entries than that.
 */
export function forwardedClient(header: string | undefined, trustedProxies: number): string | null {
  if (!header || trustedProxies < 1) return null;
  const entries = header.split(",");
  if (entries.length < trustedProxies) return null;
  return tidy(entries[entries.length - trustedProxies]);
}

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

/** Node (@hono/node-server): the socket's peer, or X-Forwarded-For behind `trustedProxies` proxies. */
export function nodeClientAddress(trustedProxies: number): ClientAddress {
  return (c) => {
    if (trustedProxies > 0) {
      const forwarded = forwardedClient(c.req.header("x-forwarded-for"), trustedProxies);
      if (forwarded) return forwarded;
    }
    const env = c.env as NodeBindings | undefined;
    return tidy(env?.incoming?.socket?.remoteAddress);
  };
}

/** Cloudflare Workers: the edge sets CF-Connecting-IP and overwrites any value a client sent. */
export const workersClientAddress: ClientAddress = (c) => tidy(c.req.header("cf-connecting-ip"));
