/**
 * Downloads an export (NDJSON) through fetch, so the token stays in the Authorization
 * header, and hands the body to the browser as a file via a blob URL.
 */
import { apiErrorOf, toApiError } from "./api-error.ts";
import { authorizationHeader } from "./client.ts";

export async function downloadExport(
  path: string,
  query: Record<string, string | undefined>,
  fileName: string,
): Promise<number> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  let response: Response;
  try {
    response = await fetch(`${path}?${params}`, {
      headers: { Accept: "application/x-ndjson", ...authorizationHeader() },
    });
  } catch (err) {
    throw toApiError(err);
  }
  if (!response.ok) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not an envelope: the text is the message
    }
    throw apiErrorOf(response, body);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return blob.size;
}
