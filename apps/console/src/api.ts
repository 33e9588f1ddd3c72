import { loyaltyClient, type paths } from '@loyalty/api-client';

/** The typed client of the public HTTP API (generated from docs/http/openapi.json): the console calls nothing else. */
export type Api = ReturnType<typeof loyaltyClient>;

export function apiFor(key: string): Api {
  return loyaltyClient(window.location.origin, key);
}

/** An answer other than 2xx, with the API's problem+json code and detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${status} ${code}: ${detail}`);
  }
}

/** The data of an openapi-fetch answer, or an ApiError with what the API said. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok && data !== undefined) return data;
  const problem = (error ?? {}) as { code?: string; detail?: string; title?: string };
  throw new ApiError(response.status, problem.code ?? `HTTP_${response.status}`, problem.detail ?? problem.title ?? response.statusText);
}

/** A report answer that may also come as CSV text: the JSON one (the console asks for JSON). */
export async function okJson<T>(call: Promise<{ data?: T | string; error?: unknown; response: Response }>): Promise<T> {
  const data = await ok(call);
  if (typeof data === 'string') throw new ApiError(0, 'CONSOLE.UNEXPECTED_TEXT', 'the API answered text where JSON was asked for');
  return data;
}

/** A CSV export of the API, downloaded with the key (an anchor cannot send the Authorization header). */
export async function downloadCsv(key: string, path: string, fileName: string): Promise<void> {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${key}`, Accept: 'text/csv' } });
  if (!response.ok) throw new ApiError(response.status, `HTTP_${response.status}`, await response.text());
  saveAs(await response.blob(), fileName);
}

/** Hands a file to the browser's download. */
export function saveAs(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export type Paths = paths;
