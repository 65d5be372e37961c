/**
 * Where a notification can go: an email address (through the email webhook
 * adapter) or an http(s) URL. Duty-roster contacts and subscriptions share
 * these rules; the transport and the services both use them, so a bad
 * address is a 400 naming its field whoever writes it.
 */
import { CONTACT_CHANNELS, type ContactChannel } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";

export const ADDRESS_MAX = 2048;
const EMAIL_MAX = 254;
// one @, no spaces or control characters, a dot in the domain: the shape, not deliverability
const EMAIL_SHAPE = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}.]+$/u;

export const isContactChannel = (v: unknown): v is ContactChannel =>
  (CONTACT_CHANNELS as readonly unknown[]).includes(v);

/** Why `address` cannot be reached through `channel`, or null when it can. */
export function addressProblem(channel: ContactChannel, address: string): string | null {
  if (channel === "email") {
    return address.length <= EMAIL_MAX && EMAIL_SHAPE.test(address) ? null : "must be an email address";
  }
  if (address.length > ADDRESS_MAX) return `must be at most ${ADDRESS_MAX} characters`;
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return "must be an http(s) URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http(s) URL";
  // credentials in the URL would be shown back in every listing and log line
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password";
  return null;
}

/** Refuses a channel and address that do not go together, naming `path` (e.g. `contacts[1]`). */
export function checkChannelAddress(channel: unknown, address: unknown, path: string): void {
  const at = (field: string) => (path === "" ? field : `${path}.${field}`);
  if (!isContactChannel(channel)) {
    throw invalid(at("channel"), `must be one of ${CONTACT_CHANNELS.join(", ")}`);
  }
  if (typeof address !== "string") throw invalid(at("address"), "must be a string");
  const problem = addressProblem(channel, address);
  if (problem !== null) throw invalid(at("address"), problem);
}

function invalid(path: string, why: string): AppError {
  return new AppError("validation_failed", `${path}: ${why}`, { path });
}
