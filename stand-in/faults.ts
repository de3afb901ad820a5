/**
 * How the stand-in answers a request it refuses, in Hugging Face's shapes: OAuth JSON errors
 * (`invalid_token` with `WWW-Authenticate`, `server_error`, `temporarily_unavailable`), HTML
 * error pages, and a bare 405.
 */
import type { ServerResponse } from 'node:http';

import { expiredInteractionPage } from './pages.js';

/** Sends a JSON body with `no-store` caching. */
export const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void => {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
};

/** Sends an HTML page; the page may use inline styles and images from the stand-in only. */
export const sendHtml = (res: ServerResponse, status: number, html: string): void => {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'",
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
};

/** 401 `invalid_token`, Hugging Face's userinfo answer to a missing, unknown or expired token. */
export const sendInvalidToken = (res: ServerResponse, headers: Readonly<Record<string, string>> = {}): void => {
  sendJson(res, 401, { error: 'invalid_token' }, { ...headers, 'www-authenticate': 'Bearer error="invalid_token"' });
};

/** 405 with an `Allow` header and no body. */
export const sendMethodNotAllowed = (res: ServerResponse, allow: string): void => {
  res.writeHead(405, { allow, 'content-length': 0 });
  res.end();
};

/** 400 HTML page: the sign-in request behind a login page URL is unknown or expired. */
export const sendExpiredInteraction = (res: ServerResponse): void => {
  sendHtml(res, 400, expiredInteractionPage());
};

/** 503 `temporarily_unavailable`: the server is not ready to answer. */
export const sendUnavailable = (res: ServerResponse): void => {
  sendJson(res, 503, { error: 'temporarily_unavailable' });
};

/** 500 `server_error`, or a closed connection when the answer had already begun. */
export const sendServerError = (res: ServerResponse): void => {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, 500, { error: 'server_error' });
};
