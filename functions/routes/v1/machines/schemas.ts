/**
 * Machine shapes shared by the /v1 machines routes and the machine import:
 * the create input (one machine; an import row accepts the same fields) and
 * the response. Every string, array and number is bounded; control characters
 * are refused up front (Postgres cannot store NUL, and none belong in these).
 */
import { z } from "@hono/zod-openapi";
import type { Machine } from "../../../../drizzle/schema/index.ts";
import { canonicalHostname, canonicalIp } from "../../../../proto/machine-address.ts";
import { MACHINE_STATES } from "../../../../proto/machine-states.ts";
import { LabelsSchema, TaintSchema } from "../../../http/params.ts";

const NO_CONTROL_CHARS = /^[^\p{Cc}]*$/u;
const text = (max: number) =>
  z.string().min(1).max(max).regex(NO_CONTROL_CHARS, { message: "must not contain control characters" });
/** Optional on create; null clears it on update. */
const optionalText = (max: number) => text(max).nullable().optional();

export const MAX_TAGS = 64;
export const MAX_TAINTS = 64;

/**
 * RFC 1123 host name: dot-separated labels of letters, digits and '-', each ≤ 63 and not edged by '-'.
 * Stored lower-cased (proto/machine-address.ts): the agent names the Node after the lower-cased name.
 */
export const HostnameSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/, {
    message: "must be an RFC 1123 host name",
  })
  .overwrite(canonicalHostname)
  .openapi({
    description: "an RFC 1123 host name; stored lower-cased",
    example: "node-17.rack-4.example.net",
  });

/** Stored in its canonical form: an IPv4-mapped IPv6 address as the IPv4 address, IPv6 per RFC 5952. */
export const IpSchema = z
  .union([z.ipv4(), z.ipv6()], { message: "must be an IPv4 or IPv6 address" })
  .overwrite((ip) => canonicalIp(ip) ?? ip)
  .openapi({
    description: "IPv4 or IPv6; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is stored as the IPv4 address",
    example: "10.0.4.17",
  });

/** A portable POSIX user name, as useradd accepts by default. */
export const SshUserSchema = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[a-z_][a-z0-9_-]*$/, { message: "must be a POSIX user name: [a-z_][a-z0-9_-]*" })
  .openapi({ example: "ksp" });

export const SshPortSchema = z.int().min(1).max(65535);

/** A name the agent resolves to a private key; printable, no spaces. Never the key itself. */
export const SshKeyRefSchema = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[\x21-\x7e]+$/, { message: "must be printable ASCII without spaces" })
  .openapi({ example: "ksp-ssh/id_ed25519" });

/** An OpenSSH SHA-256 host key fingerprint: "SHA256:" and 32 bytes in base64 (padding optional). */
export const HostKeyFingerprintSchema = z
  .string()
  .max(64)
  .regex(/^SHA256:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048](=)?$/, {
    message: "must be SHA256: followed by the base64 of 32 bytes",
  })
  .openapi({ example: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s" });

export const TagsSchema = z
  .array(text(63))
  .max(MAX_TAGS)
  .refine((tags) => new Set(tags).size === tags.length, { message: "tags must be unique" });

export const MachineInputSchema = z
  .strictObject({
    hostname: HostnameSchema,
    ip: IpSchema,
    sshUser: SshUserSchema.optional(),
    sshPort: SshPortSchema.optional(),
    sshKeyRef: SshKeyRefSchema.nullable().optional(),
    hostKeyFingerprint: HostKeyFingerprintSchema.nullable().optional(),
    cpuCores: z.int().min(0).max(100_000).optional(),
    memoryBytes: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    gpuCount: z.int().min(0).max(1024).optional(),
    gpuType: optionalText(128),
    region: optionalText(128),
    zone: optionalText(128),
    rack: optionalText(128),
    osImage: optionalText(256),
    kernelVersion: optionalText(256),
    kubeletVersion: optionalText(64),
    containerRuntimeVersion: optionalText(128),
    labels: LabelsSchema.optional(),
    taints: z.array(TaintSchema).max(MAX_TAINTS).optional(),
    tags: TagsSchema.optional(),
  })
  .openapi("MachineInput");

export type MachineInput = z.infer<typeof MachineInputSchema>;

/** What PATCH may change; null clears an optional field. Hardware facts come from create/import. */
export const MachineUpdateSchema = z
  .strictObject({
    labels: LabelsSchema.optional(),
    tags: TagsSchema.optional(),
    sshUser: SshUserSchema.optional(),
    sshPort: SshPortSchema.optional(),
    sshKeyRef: SshKeyRefSchema.nullable().optional(),
    hostKeyFingerprint: HostKeyFingerprintSchema.nullable().optional(),
    region: optionalText(128),
    zone: optionalText(128),
    rack: optionalText(128),
    expectedVersion: z.int().min(0).max(2_147_483_647).optional().openapi({
      description: "refuse with 409 stale_version unless the machine is still at this version",
    }),
  })
  .openapi("MachineUpdate");

export type MachineUpdate = z.infer<typeof MachineUpdateSchema>;

const nullableText = z.string().nullable();

export const MachineSchema = z
  .object({
    id: z.uuid(),
    hostname: z.string(),
    ip: z.string(),
    sshUser: z.string(),
    sshPort: z.number().int(),
    sshKeyRef: nullableText,
    hostKeyFingerprint: nullableText,
    clusterId: z.uuid().nullable().openapi({ description: "null: in the free inventory" }),
    poolId: z.uuid().nullable(),
    status: z.enum(MACHINE_STATES),
    statusReason: nullableText,
    statusChangedAt: z.string(),
    cpuCores: z.number().int(),
    memoryBytes: z.number().int(),
    gpuCount: z.number().int(),
    gpuType: nullableText,
    region: nullableText,
    zone: nullableText,
    rack: nullableText,
    osImage: nullableText,
    kernelVersion: nullableText,
    kubeletVersion: nullableText,
    containerRuntimeVersion: nullableText,
    labels: z.record(z.string(), z.string()),
    taints: z.array(
      z.object({ key: z.string(), value: z.string().optional(), effect: TaintSchema.shape.effect }),
    ),
    tags: z.array(z.string()),
    nodeName: nullableText,
    providerId: nullableText,
    consecutiveFailures: z.number().int(),
    lastHeartbeatAt: nullableText,
    lastAction: nullableText,
    lastError: nullableText,
    version: z.number().int().openapi({ description: "bumped by every change; pass as expectedVersion" }),
    createdBy: nullableText.openapi({
      description:
        'who created or imported the machine ("token:<id>"); null for machines older than this record',
    }),
    originClusterId: z.uuid().nullable().openapi({
      description: "the cluster it was imported into, or last left by unassign or archive",
    }),
    identity: z
      .object({
        setBy: nullableText.openapi({ description: "who last set its address, host name or SSH settings" }),
        scopeClusterId: z
          .uuid()
          .nullable()
          .openapi({
            description:
              "set when that was a cluster-scoped token: only this cluster's pools may be given the machine " +
              "until an unscoped operator confirms it (POST /v1/machines/{machineId}/confirm-identity)",
          }),
        confirmedBy: nullableText,
        confirmedAt: nullableText,
      })
      .openapi("MachineIdentity"),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Machine");

export type MachineView = z.infer<typeof MachineSchema>;

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

export function presentMachine(row: Machine): MachineView {
  return {
    id: row.id,
    hostname: row.hostname,
    ip: row.ip,
    sshUser: row.sshUser,
    sshPort: row.sshPort,
    sshKeyRef: row.sshKeyRef,
    hostKeyFingerprint: row.hostKeyFingerprint,
    clusterId: row.clusterId,
    poolId: row.poolId,
    status: row.status,
    statusReason: row.statusReason,
    statusChangedAt: row.statusChangedAt.toISOString(),
    cpuCores: row.cpuCores,
    memoryBytes: row.memoryBytes,
    gpuCount: row.gpuCount,
    gpuType: row.gpuType,
    region: row.region,
    zone: row.zone,
    rack: row.rack,
    osImage: row.osImage,
    kernelVersion: row.kernelVersion,
    kubeletVersion: row.kubeletVersion,
    containerRuntimeVersion: row.containerRuntimeVersion,
    labels: row.labels,
    taints: row.taints,
    tags: row.tags,
    nodeName: row.nodeName,
    providerId: row.providerId,
    consecutiveFailures: row.consecutiveFailures,
    lastHeartbeatAt: iso(row.lastHeartbeatAt),
    lastAction: row.lastAction,
    lastError: row.lastError,
    version: row.version,
    createdBy: row.createdBy,
    originClusterId: row.originClusterId,
    identity: {
      setBy: row.identitySetBy,
      scopeClusterId: row.identityScopeClusterId,
      confirmedBy: row.identityConfirmedBy,
      confirmedAt: iso(row.identityConfirmedAt),
    },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
