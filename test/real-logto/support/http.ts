/**
 * JSON requests to Logto with an optional cookie jar, answering status and parsed body instead of
 * throwing, so tests can assert on refusals.
 */
import type { CookieJar } from '../../../stand-in/index.js';

/** A response: status, parsed JSON body (or text, or `undefined` when empty) and headers. */
export type JsonResponse<T = unknown> = { status: number; body: T; headers: Headers };

/** Options of {@link requestJson}. */
export type JsonRequest = {
  method?: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Sends and keeps cookies. */
  jar?: CookieJar;
};

/** Sends one request without following redirects. */
export async function requestJson<T = unknown>(url: string | URL, request: JsonRequest = {}): Promise<JsonResponse<T>> {
  const target = new URL(url);
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  } else if (request.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.form).toString();
  }
  const cookie = request.jar?.header(target);
  if (cookie) headers.cookie = cookie;
  const response = await fetch(target, { method: request.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
  request.jar?.store(target, response.headers.getSetCookie());
  const text = await response.text();
  let parsed: unknown = text || undefined;
  if (text && (response.headers.get('content-type') ?? '').includes('json')) {
    parsed = JSON.parse(text);
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/**
 * Throws with `what`, the status and the body when `response.status` is not `expected` (one
 * status or several); for calls that set a test up, where a refusal is a broken setup rather
 * than the thing tested.
 */
export function expectStatus<T>(response: JsonResponse<T>, expected: number | number[], what: string): T {
  if (!(Array.isArray(expected) ? expected : [expected]).includes(response.status)) {
    // JSON.stringify returns undefined for an empty body, which its type hides.
    const body = JSON.stringify(response.body) as string | undefined;
    throw new Error(`${what}: expected ${String(expected)}, got ${response.status}: ${body?.slice(0, 800)}`);
  }
  return response.body;
}
