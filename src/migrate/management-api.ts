/**
 * A small client of Logto's Management API: a machine-to-machine token, then JSON calls.
 *
 * Only Node's `fetch`. The client secret of the machine-to-machine app goes into the token
 * request's Basic header and nowhere else; every text an error carries is scrubbed of it.
 *
 * @see https://docs.logto.io/integrate-logto/interact-with-management-api
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
import { maxProviderTextLength } from '../constants.js';
import { shorten, stripControlCharacters } from '../quote.js';
import { createRedactor } from '../redaction.js';

/** Where the Management API lives and who calls it. */
export type ManagementApiOptions = {
  /** Logto's endpoint, e.g. `https://auth.example.com`; the API is below `/api`. */
  endpoint: string;
  /** Token endpoint; default `${endpoint}/oidc/token`. */
  tokenEndpoint?: string;
  /** Management API resource indicator; default `https://default.logto.app/api` (Logto OSS). */
  resource?: string;
  /** Machine-to-machine app id. */
  appId: string;
  /** Machine-to-machine app secret. */
  appSecret: string;
  /** Time limit of one HTTP request, in milliseconds; default 15000. */
  timeoutMs?: number;
};

/** The Management API resource of a self-hosted Logto's default tenant. */
export const defaultManagementApiResource = 'https://default.logto.app/api';

const defaultTimeoutMs = 15_000;

/**
 * A Management API call that failed: Logto's answer (`status`, its error `code` and `message`),
 * or no answer at all (`status` 0: network, TLS, timeout).
 */
export class ManagementApiError extends Error {
  override name = 'ManagementApiError';

  /**
   * @param request - Method and path, e.g. `POST /api/connectors`.
   * @param status - HTTP status, 0 when Logto did not answer.
   * @param code - Logto's error code, e.g. `connector.invalid_config`, when it sent one.
   * @param detail - Logto's message or the network failure, scrubbed of secrets and of control
   *   characters, and cut short.
   */
  constructor(
    readonly request: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly detail: string
  ) {
    super(
      status === 0
        ? `${request}: no answer from Logto (${detail})`
        : `${request}: Logto answered ${status}${code ? ` ${code}` : ''}${detail ? `: ${detail}` : ''}`
    );
  }
}

/** One authenticated JSON call to the Management API. */
export type ManagementApi = {
  /**
   * Sends a request below `${endpoint}` and returns the parsed JSON body (`undefined` for 204).
   *
   * @throws ManagementApiError for any status outside 2xx and for no answer.
   */
  call: (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) => Promise<unknown>;
  /**
   * Adds secrets the client's errors must never show, beside the machine-to-machine ones it
   * knows (the connector config's client secret, once read), before they are cut short.
   */
  hide: (...secrets: string[]) => void;
};

const describeCause = (error: unknown): string => {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return 'timed out';
  }
  // fetch says only "fetch failed"; the cause says why (ECONNREFUSED, a certificate problem).
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const { code } = cause as NodeJS.ErrnoException;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return error instanceof Error ? error.message : String(error);
};

const readErrorBody = async (response: Response) => {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown; error?: unknown; error_description?: unknown };
    const code = typeof body.code === 'string' ? body.code : typeof body.error === 'string' ? body.error : undefined;
    const message =
      typeof body.message === 'string'
        ? body.message
        : typeof body.error_description === 'string'
          ? body.error_description
          : '';
    return { code, message };
  } catch {
    return { code: undefined, message: text.trim() };
  }
};

/**
 * Creates a Management API client that fetches one client-credentials token, on first use.
 *
 * @param options - Endpoint and machine-to-machine credentials.
 */
export const createManagementApi = (options: ManagementApiOptions): ManagementApi => {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const tokenEndpoint = options.tokenEndpoint ?? `${endpoint}/oidc/token`;
  const resource = options.resource ?? defaultManagementApiResource;
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const basicCredentials = `${encodeURIComponent(options.appId)}:${encodeURIComponent(options.appSecret)}`;
  const { redact, hide } = createRedactor(options.appSecret, basicCredentials);
  // Logto's text (or a proxy's, or a certificate's names in a TLS failure) as Hugging Face's is
  // quoted: secrets out first, then control characters, then cut short.
  const quote = (text: string) => shorten(stripControlCharacters(redact(text)), maxProviderTextLength);
  let token: Promise<string> | undefined;

  const send = async (request: string, url: string, init: RequestInit) => {
    let response: Response;
    try {
      response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new ManagementApiError(request, 0, undefined, quote(describeCause(error)));
    }
    if (response.status < 200 || response.status > 299) {
      const { code, message } = await readErrorBody(response);
      throw new ManagementApiError(request, response.status, code && quote(code), quote(message));
    }
    return response;
  };

  const fetchToken = async () => {
    const basic = Buffer.from(basicCredentials).toString('base64');
    const request = `POST ${new URL(tokenEndpoint).pathname} (machine-to-machine token)`;
    const response = await send(request, tokenEndpoint, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: 'all' }),
    });
    const body = (await response.json().catch(() => undefined)) as { access_token?: unknown } | undefined;
    if (typeof body?.access_token !== 'string') {
      throw new ManagementApiError(request, response.status, undefined, 'the answer holds no access_token');
    }
    // A token fetch cannot send (a byte not allowed in a header) is quoted by fetch's error.
    hide(body.access_token);
    return body.access_token;
  };

  return {
    call: async (method, path, body) => {
      token ??= fetchToken();
      const accessToken = await token.catch((error: unknown) => {
        token = undefined;
        throw error;
      });
      const response = await send(`${method} ${path}`, `${endpoint}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${accessToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      // A deletion needs no answer: whatever its 2xx answer holds, it happened.
      if (response.status === 204 || method === 'DELETE') {
        return undefined;
      }
      const text = await response.text();
      try {
        return text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        // The parser's message would quote the answer, line breaks included.
        throw new ManagementApiError(`${method} ${path}`, response.status, undefined, 'the answer is not JSON');
      }
    },
    hide,
  };
};
