/**
 * `kind: Status` failure bodies shaped like the ones kube-apiserver sends
 * (k8s.io/apimachinery/pkg/api/errors), so clients that branch on
 * `reason`/`code`/`details` behave the same against this stand-in.
 */

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/** Thrown by the store and handlers; the router turns it into an HTTP response. */
export class KubeApiError extends Error {
  readonly status: StatusBody;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.status = failure(code, reason, message, details);
  }
  get code(): number {
    return this.status.code ?? 500;
  }
}

export function failure(code: number, reason: string, message: string, details?: StatusDetails): StatusBody {
  const body: StatusBody = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
  };
  if (details) body.details = details;
  body.code = code;
  return body;
}

/** A Success Status; `code` is omitted when the real handler leaves it zero (e.g. DELETE). */
export function success(code: number | undefined, details?: StatusDetails): StatusBody {
  const body = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success" } as StatusBody;
  if (details) body.details = details;
  if (code !== undefined) body.code = code;
  return body;
}

/** The group-qualified resource as the real server prints it: `pods`, `leases.coordination.k8s.io`. */
export interface GroupResource {
  group: string;
  resource: string;
}

function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function detailsFor(gr: GroupResource, name: string): StatusDetails {
  const details: StatusDetails = { name };
  if (gr.group) details.group = gr.group;
  details.kind = gr.resource;
  return details;
}

export const errors = {
  notFound: (gr: GroupResource, name: string) =>
    new KubeApiError(404, "NotFound", `${qualified(gr)} "${name}" not found`, detailsFor(gr, name)),
  alreadyExists: (gr: GroupResource, name: string) =>
    new KubeApiError(409, "AlreadyExists", `${qualified(gr)} "${name}" already exists`, detailsFor(gr, name)),
  conflict: (gr: GroupResource, name: string, why: string) =>
    new KubeApiError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${why}`,
      detailsFor(gr, name),
    ),
  staleResourceVersion: (gr: GroupResource, name: string) =>
    errors.conflict(
      gr,
      name,
      "the object has been modified; please apply your changes to the latest version and try again",
    ),
  badRequest: (message: string) => new KubeApiError(400, "BadRequest", message),
  invalid: (kind: string, name: string, causes: StatusCause[]) =>
    new KubeApiError(
      422,
      "Invalid",
      `${kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`,
      { name, kind, causes },
    ),
  /** What NewGenericServerResponse(422) yields, e.g. for a failing JSON-patch `test` op. */
  unprocessable: (serverMessage: string) =>
    new KubeApiError(422, "Invalid", "the server rejected our request due to an error in our request", {
      causes: [{ reason: "UnexpectedServerResponse", message: serverMessage }],
    }),
  methodNotAllowed: () =>
    new KubeApiError(
      405,
      "MethodNotAllowed",
      "the server does not allow this method on the requested resource",
    ),
  unsupportedMediaType: (accepted: string[]) =>
    new KubeApiError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(", ")}`,
    ),
  pathNotFound: () =>
    new KubeApiError(404, "NotFound", "the server could not find the requested resource", {}),
  unauthorized: () => new KubeApiError(401, "Unauthorized", "Unauthorized"),
  expired: (message: string) => new KubeApiError(410, "Expired", message),
  internal: (message: string) =>
    new KubeApiError(500, "InternalError", `Internal error occurred: ${message}`, {
      causes: [{ message }],
    }),
};
