/**
 * Our proto/externalgrpc.proto against every upstream layout, field for field:
 * same package, service, methods and messages; every upstream field number
 * present with the same name and the same wire type. Where upstream embedded a
 * Kubernetes type, SUBSTITUTES names the local type we declare instead and why
 * the bytes are identical.
 */
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { EXTERNALGRPC_PROTO_PATH } from "../../../proto/externalgrpc-paths.ts";
import {
  EXTERNALGRPC_PACKAGE,
  loadProtoRoot,
  loadReference,
  REFERENCE_FILES,
} from "../../support/reference-protos.ts";

const ours = loadProtoRoot(EXTERNALGRPC_PROTO_PATH);

const SUBSTITUTES: Record<string, { ours: string; why: string }> = {
  ".k8s.io.api.core.v1.Node": {
    ours: "bytes",
    why: "an embedded message and bytes are both wire type 2; our bytes are encodeNode() output, i.e. the Node's own encoding",
  },
  ".k8s.io.api.core.v1.Pod": {
    ours: "bytes",
    why: "wire type 2 either way; the Pod arrives as its raw v1.Pod encoding, which we never need to parse",
  },
  ".k8s.io.apimachinery.pkg.apis.meta.v1.Time": {
    ours: ".google.protobuf.Timestamp",
    why: "meta/v1 Time is {int64 seconds = 1; int32 nanos = 2}, exactly Timestamp's layout",
  },
  ".k8s.io.apimachinery.pkg.apis.meta.v1.Duration": {
    ours: `.${EXTERNALGRPC_PACKAGE}.LegacyDuration`,
    why: "meta/v1 Duration is {int64 duration = 1} (nanoseconds); LegacyDuration declares the same field",
  },
};

const WIRE_TYPE: Record<string, number> = {
  double: 1,
  fixed64: 1,
  sfixed64: 1,
  float: 5,
  fixed32: 5,
  sfixed32: 5,
  string: 2,
  bytes: 2,
};

function wireType(field: protobuf.Field): number {
  if (field.map || field.resolvedType instanceof protobuf.Type) return 2;
  return WIRE_TYPE[field.type] ?? 0; // every other scalar and enums are varints
}

/** The type as written in a schema, fully qualified for messages and enums. */
function typeName(field: protobuf.Field): string {
  return field.resolvedType ? field.resolvedType.fullName : field.type;
}

function messagesOf(root: protobuf.Root): protobuf.Type[] {
  const found: protobuf.Type[] = [];
  const walk = (namespace: protobuf.NamespaceBase) => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Type) found.push(nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
    }
  };
  walk(root.lookup(EXTERNALGRPC_PACKAGE) as protobuf.Namespace);
  return found;
}

/** Recursively: every field of `theirs` has a same-numbered, same-named, same-typed field in `mine`. */
function expectCompatible(theirs: protobuf.Type, mine: protobuf.Type, path: string): void {
  for (const field of theirs.fieldsArray) {
    const where = `${path}.${field.name} = ${field.id}`;
    const match = mine.fieldsById[field.id];
    expect(match, `${where} is missing`).toBeDefined();
    if (!match) continue;
    expect(match.name, where).toBe(field.name);
    expect(wireType(match), `${where}: wire type`).toBe(wireType(field));
    expect(match.repeated, `${where}: repeated`).toBe(field.repeated);
    expect(Boolean(match.map), `${where}: map`).toBe(Boolean(field.map));
    if (field.map)
      expect((match as unknown as protobuf.MapField).keyType, where).toBe(
        (field as unknown as protobuf.MapField).keyType,
      );
    const substitute = SUBSTITUTES[typeName(field)];
    const expectedType =
      substitute?.ours ?? typeName(field).replace(/^\.k8s\.io\..*/, "(no kubernetes type)");
    expect(typeName(match), `${where}: type`).toBe(expectedType);
    if (field.resolvedType instanceof protobuf.Type && match.resolvedType instanceof protobuf.Type) {
      expectCompatible(field.resolvedType, match.resolvedType, `${path}.${field.name}`);
    }
    if (field.resolvedType instanceof protobuf.Enum) {
      expect((match.resolvedType as protobuf.Enum).values, `${where}: enum values`).toEqual(
        field.resolvedType.values,
      );
    }
  }
}

describe.each(
  Object.keys(REFERENCE_FILES).filter((key) => key !== "k8sCore") as (
    | "current"
    | "transitional"
    | "legacy"
  )[],
)("our externalgrpc.proto vs the %s reference", (which) => {
  const reference = loadReference(which);

  it("has every message, with every field number, name and wire-compatible type", () => {
    const referenceMessages = messagesOf(reference);
    expect(referenceMessages.length).toBeGreaterThan(30);
    for (const theirs of referenceMessages) {
      const mine = ours.lookupType(theirs.fullName);
      expectCompatible(theirs, mine, theirs.fullName);
    }
  });

  it("serves the same service: 15 unary methods with the same request and response types", () => {
    const theirs = reference.lookupService(`${EXTERNALGRPC_PACKAGE}.CloudProvider`);
    const mine = ours.lookupService(`${EXTERNALGRPC_PACKAGE}.CloudProvider`);
    expect(mine.methodsArray.map((m) => m.name)).toEqual(theirs.methodsArray.map((m) => m.name));
    expect(mine.methodsArray).toHaveLength(15);
    for (const method of theirs.methodsArray) {
      const match = mine.methods[method.name]!;
      expect(match.resolvedRequestType?.fullName, method.name).toBe(method.resolvedRequestType?.fullName);
      expect(match.resolvedResponseType?.fullName, method.name).toBe(method.resolvedResponseType?.fullName);
      expect(Boolean(match.requestStream || match.responseStream), method.name).toBe(false);
    }
  });
});

describe("our externalgrpc.proto invents nothing", () => {
  it("declares only fields some upstream layout has, plus LegacyDuration", () => {
    const references = (["current", "transitional", "legacy"] as const).map(loadReference);
    for (const mine of messagesOf(ours)) {
      if (mine.name === "LegacyDuration") continue;
      for (const field of mine.fieldsArray) {
        const known = references.some(
          (root) => root.lookupType(mine.fullName).fieldsById[field.id] !== undefined,
        );
        expect(known, `${mine.fullName}.${field.name} = ${field.id}`).toBe(true);
      }
    }
  });

  it("imports only google/protobuf well-known types", () => {
    const imported = ours.files.filter((file) => file !== EXTERNALGRPC_PROTO_PATH);
    expect(imported.length).toBeGreaterThan(0);
    for (const file of imported) expect(file).toMatch(/^google\/protobuf\/\w+\.proto$/);
  });
});
