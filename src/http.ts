/**
 * HTTP transport to Hugging Face: one place that sets timeouts, refuses redirects, caps body
 * size and retries idempotent requests.
 *
 * It knows nothing of OAuth; callers turn statuses into connector errors. It throws only
 * {@link TransportError}, whose message never holds headers, form fields or URLs with secrets.
 */
import { type Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

import got, { RequestError } from 'got';

import {
  maxResponseBytes,
  retryBaseDelayMs,
  retryMaxDelayMs,
  stepDeadlineInAttempts,
} from './constants.js';
import { dropStaleConnections, hubAgents, type RequestConnection, takeChargeOfConnection } from './hub-connections.js';

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
 * When the step's time runs out while a retry waits, the step ends with the failed attempt's own
 * outcome (its answer, or why there was none), which says more than a bare timeout would.
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
  let lastFailure: HttpResponse | TransportError | undefined;

  for (let attempt = 0; ; attempt++) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) {
      const outcome = lastFailure ?? new TransportError('timeout', `no answer within ${stepTimeMs(request)} ms`);
      if (outcome instanceof TransportError) {
        throw outcome;
      }
      return outcome;
    }
    const canRetry = attempt < retries;
    try {
      // eslint-disable-next-line no-await-in-loop
      const { retryAfterMs, ...response } = await sendOnce(request, Math.min(request.timeoutMs, remainingMs));
      if (!canRetry || !isRetryableStatus(response.status)) {
        return response;
      }
      lastFailure = response;
      // eslint-disable-next-line no-await-in-loop
      await backOff(attempt, retryAfterMs, deadline);
    } catch (error: unknown) {
      if (!(error instanceof TransportError) || error.reason === 'too_large' || !canRetry) {
        throw error;
      }
      lastFailure = error;
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
  await dropStaleConnections();
  const pending = got(request.url, {
    agent: hubAgents,
    method: request.method,
    headers: { 'user-agent': userAgent, 'accept-encoding': 'identity', ...request.headers },
    form: request.form,
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
  // `on` returns `pending` itself, which is awaited below.
  void pending.on('downloadProgress', ({ transferred, total }) => {
    if (transferred > maxResponseBytes || (total !== undefined && total > maxResponseBytes)) {
      cancel(new TransportError('too_large', `body over ${maxResponseBytes} bytes`));
    }
  });
  let connection: RequestConnection | undefined;
  void pending.on('request', (clientRequest) => {
    connection = takeChargeOfConnection(clientRequest);
    // A 101 answer hands the socket to an `upgrade` listener, where got would wait forever: free
    // the socket and fail now.
    clientRequest.once('upgrade', (_response, socket: Duplex) => {
      socket.destroy();
      cancel(new TransportError('network', 'unexpected protocol upgrade (101)'));
    });
  });
  // The attempt's one time limit, from sending the request to reading the last byte and handing
  // the connection back.
  const timer = setTimeout(() => {
    cancel(new TransportError('timeout', `no answer within ${request.timeoutMs} ms`));
    // An answer already read whose request could not be sent in full: its connection is given up.
    connection?.close();
  }, timeoutMs);

  try {
    const response = await pending;
    // The next request finds the connection free rather than opening another.
    await connection?.released();
    return {
      status: response.statusCode,
      body: response.body.toString('utf8'),
      retryAfterMs: parseRetryAfter(response.headers['retry-after']),
    };
  } catch (error: unknown) {
    if (cancelledFor) {
      throw cancelledFor;
    }
    throw new TransportError('network', error instanceof RequestError ? error.code : 'ERR_UNKNOWN');
  } finally {
    clearTimeout(timer);
  }
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
