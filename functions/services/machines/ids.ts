const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids; a malformed one names nothing, and asking Postgres would only raise a cast error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
