/**
 * HTTP transport to Hugging Face: one place that sets timeouts, refuses redirects, caps body
 * size and retries idempotent requests.
 *
 * It knows nothing of OAuth; callers turn statuses into connector errors. It throws only
 * {@link TransportError}, whose message never holds headers, form fields or URLs with secrets.
 */
import { type Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import got from 'got';

import {
  maxResponseBytes,
  retryBaseDelayMs,
  retryMaxDelayMs,
  stepDeadlineInAttempts,
} from './constants.js';

/** A request to Hugging Face. */
export type HttpRequest = {
  method: 'GET' | 'POST';
  url: URL;
  headers?: Record<string, string>;
  /** Sent `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** Time limit of one attempt, in milliseconds; the whole step gets {@link stepDeadlineInAttempts} times this. */
  timeoutMs: number;
  /** Retries on network errors, 429 and 5xx; leave at 0 for anything not idempotent. */
  retries?: number;
  /**
   * End of the step's time (epoch milliseconds) when the step sends more than one request; the
   * request then gets what is left of it, and never more than its own limit.
   */
  deadline?: number;
};

/** A response read in full (at most {@link maxResponseBytes}). */
export type HttpResponse = {
  status: number;
  /** The `content-type` header, lower-cased, or an empty string. */
  contentType: string;
  body: string;
};

/** Why a request produced no response. */
export type TransportFailure = 'timeout' | 'network' | 'too_large';

/** A request that produced no usable response. */
export class TransportError extends Error {
  override name = 'TransportError';

  /**
   * @param reason - What went wrong.
   * @param detail - A short description without secrets (an error code such as `ECONNRESET`).
   */
  constructor(
    readonly reason: TransportFailure,
    readonly detail: string
  ) {
    super(`${reason}: ${detail}`);
  }
}

const userAgent = 'connector-huggingface (Logto)';

/**
 * Sends a request and reads the whole response, retrying as the request allows.
 *
 * @param request - What to send.
 * @returns The last response, whatever its status.
 * @throws {TransportError} When no response could be read in time or the body was too large.
 */
export const sendRequest = async (request: HttpRequest): Promise<HttpResponse> => {
  const deadline = Math.min(
    Date.now() + request.timeoutMs * stepDeadlineInAttempts,
    request.deadline ?? Number.POSITIVE_INFINITY
  );
  const retries = request.retries ?? 0;

  for (let attempt = 0; ; attempt++) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) {
      throw new TransportError('timeout', `no answer within ${stepTimeMs(request)} ms`);
    }
    const canRetry = attempt < retries;
    try {
      // eslint-disable-next-line no-await-in-loop
      const response = await sendOnce(request, Math.min(request.timeoutMs, remainingMs));
      if (!canRetry || !isRetryableStatus(response.status)) {
        return response;
      }
      // eslint-disable-next-line no-await-in-loop
      await backOff(attempt, response.retryAfterMs, deadline);
    } catch (error: unknown) {
      if (!(error instanceof TransportError) || error.reason === 'too_large' || !canRetry) {
        throw error;
      }
      // eslint-disable-next-line no-await-in-loop
      await backOff(attempt, undefined, deadline);
    }
  }
};

/** The time one step may take, in milliseconds. */
export const stepTimeMs = (request: Pick<HttpRequest, 'timeoutMs'>): number =>
  request.timeoutMs * stepDeadlineInAttempts;

const isRetryableStatus = (status: number) => status === 429 || status >= 500;

const backOff = async (attempt: number, retryAfterMs: number | undefined, deadline: number) => {
  const wanted = retryAfterMs ?? retryBaseDelayMs * 2 ** attempt;
  const delay = Math.min(wanted, retryMaxDelayMs, Math.max(0, deadline - Date.now()));
  await sleep(delay);
};

type AttemptResponse = HttpResponse & { retryAfterMs?: number };

const sendOnce = async (request: HttpRequest, timeoutMs: number): Promise<AttemptResponse> => {
  let cancelledFor: TransportError | undefined;
  const pending = got(request.url, {
    method: request.method,
    headers: { 'user-agent': userAgent, 'accept-encoding': 'identity', ...request.headers },
    form: request.form,
    timeout: { request: timeoutMs },
    retry: { limit: 0 },
    followRedirect: false,
    throwHttpErrors: false,
    decompress: false,
    responseType: 'buffer',
  });
  const cancel = (reason: TransportError) => {
    cancelledFor ??= reason;
    pending.cancel();
  };
  pending.on('downloadProgress', ({ transferred, total }) => {
    if (transferred > maxResponseBytes || (total !== undefined && total > maxResponseBytes)) {
      cancel(new TransportError('too_large', `body over ${maxResponseBytes} bytes`));
    }
  });
  // A 101 answer hands the socket to an `upgrade` listener and got's own timer never fires:
  // free the socket and fail now, and keep a timer of our own for anything else that stalls.
  pending.on('request', (clientRequest) => {
    clientRequest.once('upgrade', (_response, socket: Duplex) => {
      socket.destroy();
      cancel(new TransportError('network', 'unexpected protocol upgrade (101)'));
    });
  });
  const backstop = setTimeout(() => {
    cancel(new TransportError('timeout', `no answer within ${timeoutMs} ms`));
  }, timeoutMs);

  try {
    const response = await pending;
    const contentType = response.headers['content-type'];
    return {
      status: response.statusCode,
      contentType: typeof contentType === 'string' ? contentType.toLowerCase() : '',
      body: response.body.toString('utf8'),
      retryAfterMs: parseRetryAfter(response.headers['retry-after']),
    };
  } catch (error: unknown) {
    if (cancelledFor) {
      throw cancelledFor;
    }
    const code = readErrorCode(error);
    if (code === 'ETIMEDOUT') {
      throw new TransportError('timeout', `no answer within ${timeoutMs} ms`);
    }
    throw new TransportError('network', code);
  } finally {
    clearTimeout(backstop);
  }
};

const readErrorCode = (error: unknown): string => {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return 'ERR_UNKNOWN';
};

const parseRetryAfter = (value: string | undefined): number | undefined => {
  if (!value) {
    return undefined;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return seconds * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
};
