/**
 * POST of a large body with upload progress (fetch cannot report it): the machine
 * import sends files up to 16 MiB. Same bearer header and error envelope as the client.
 */
import { ApiError, apiErrorOf } from "./api-error.ts";
import { authorizationHeader } from "./client.ts";

export interface UploadProgress {
  phase: "uploading" | "processing";
  /** 0–1 of the body sent */
  sent: number;
}

export interface UploadResult {
  status: number;
  body: unknown;
}

function responseOf(xhr: XMLHttpRequest): Response {
  const headers = new Headers();
  for (const line of xhr
    .getAllResponseHeaders()
    .trim()
    .split(/[\r\n]+/)) {
    const at = line.indexOf(":");
    if (at > 0) headers.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return new Response(null, { status: xhr.status, statusText: xhr.statusText, headers });
}

/** Resolves with any HTTP answer (the caller decides which statuses carry a report); rejects on a network failure. */
export function uploadWithProgress(
  url: string,
  body: string,
  contentType: string,
  onProgress: (p: UploadProgress) => void,
): Promise<UploadResult & { error: ApiError | null }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Content-Type", contentType);
    xhr.setRequestHeader("Accept", "application/json");
    for (const [name, value] of Object.entries(authorizationHeader())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) =>
      onProgress({ phase: "uploading", sent: e.lengthComputable ? e.loaded / e.total : 0 });
    xhr.upload.onload = () => onProgress({ phase: "processing", sent: 1 });
    xhr.onerror = () => reject(new ApiError("the control plane could not be reached", 0, "network", null));
    xhr.onload = () => {
      let parsed: unknown = xhr.responseText;
      try {
        parsed = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: the text is the message
      }
      const ok = xhr.status >= 200 && xhr.status < 300;
      resolve({ status: xhr.status, body: parsed, error: ok ? null : apiErrorOf(responseOf(xhr), parsed) });
    };
    xhr.send(body);
  });
}
