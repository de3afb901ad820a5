/**
 * Requests to Logto answering status, parsed body and headers instead of throwing, so tests can
 * assert on refusals.
 */
import type { CookieJar } from '../../../stand-in/index.js';

/** A response: status, parsed JSON body (or text, or `undefined` when empty) and headers. */
export type JsonResponse<T = unknown> = { status: number; body: T; headers: Headers };

/** Options of {@link requestJson}: a JSON or form body, headers, and a jar that sends and keeps cookies. */
export type JsonRequest = { method?: string; json?: unknown; form?: Record<string, string>; headers?: Record<string, string>; jar?: CookieJar };

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
  const parsed: unknown = text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text || undefined;
  return { status: response.status, body: parsed as T, headers: response.headers };
}

/**
 * The body, when the status is `expected` (one or several); else throws with `what`, the status
 * and the body. For steps that set a test up, where a refusal is a broken setup.
 */
export function expectStatus<T>(response: JsonResponse<T>, expected: number | number[], what: string): T {
  if (!(Array.isArray(expected) ? expected : [expected]).includes(response.status)) {
    throw new Error(`${what}: expected ${String(expected)}, got ${response.status}: ${(JSON.stringify(response.body) as string | undefined)?.slice(0, 800)}`);
  }
  return response.body;
}
