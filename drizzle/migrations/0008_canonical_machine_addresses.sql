-- Canonical machine addresses (proto/machine-address.ts): an IPv4-mapped IPv6
-- address (::ffff:a.b.c.d) is stored as the IPv4 address it maps, and host
-- names are lower case. Postgres compares inet values by family first, so
-- '::ffff:10.1.2.3' and '10.1.2.3' could both be live; the API now writes only
-- the IPv4 spelling, and this rewrites the rows written before.
--
-- A live mapped row whose IPv4 address another live machine already holds
-- cannot be rewritten without breaking machines_ip_live_uq: the migration
-- then stops and names both machines, so an operator archives one of them
-- (POST /v1/machines/{id}/archive) and migrates again. Archived rows keep no
-- claim on their address and are rewritten regardless.
DO $$
DECLARE
  clashes text;
BEGIN
  SELECT string_agg(
           format('machine %s (%s) and machine %s (%s)', mapped.id, host(mapped.ip), plain.id, host(plain.ip)),
           '; ' ORDER BY mapped.id)
    INTO clashes
    FROM machines AS mapped
    JOIN machines AS plain
      ON plain.ip = '0.0.0.0'::inet + (mapped.ip - '::ffff:0.0.0.0'::inet)
   WHERE family(mapped.ip) = 6
     AND mapped.ip <<= '::ffff:0.0.0.0/96'::inet
     AND mapped.status <> 'archived'
     AND plain.status <> 'archived';
  IF clashes IS NOT NULL THEN
    RAISE EXCEPTION 'canonical_machine_addresses: live machines share an address once IPv4-mapped IPv6 is read as IPv4: %. Archive one machine of each pair, then migrate again.', clashes
      USING ERRCODE = 'unique_violation';
  END IF;
END
$$;
--> statement-breakpoint
UPDATE "machines"
   SET "ip" = '0.0.0.0'::inet + ("ip" - '::ffff:0.0.0.0'::inet)
 WHERE family("ip") = 6
   AND "ip" <<= '::ffff:0.0.0.0/96'::inet;
--> statement-breakpoint
UPDATE "machines"
   SET "hostname" = lower("hostname")
 WHERE "hostname" <> lower("hostname");
