/** What the OpenAPI lint accepts as standard. */

/** Formats JSON Schema 2020-12 defines, and the OpenAPI format registry's common ones. */
export const STANDARD_FORMATS = new Set([
  "date-time",
  "date",
  "time",
  "duration",
  "email",
  "idn-email",
  "hostname",
  "idn-hostname",
  "ipv4",
  "ipv6",
  "uri",
  "uri-reference",
  "iri",
  "iri-reference",
  "uri-template",
  "uuid",
  "json-pointer",
  "relative-json-pointer",
  "regex",
  "int32",
  "int64",
  "float",
  "double",
  "byte",
  "binary",
  "password",
]);

/** Keywords the OpenAPI 3.1 base dialect adds to JSON Schema 2020-12. */
export const OPENAPI_KEYWORDS = ["example", "discriminator", "xml", "externalDocs"];
