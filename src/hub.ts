/**
 * Asking Hugging Face and reading its answer: each endpoint described once (its URL in the
 * config, the step it serves, the words a message names it by), one request through the
 * transport (`http.ts`), a failure to get an answer or a redirect turned into a connector error,
 * and the parts of an answer every endpoint reads (its JSON body, its OAuth error). What an
 * answer means is the endpoint module's to decide.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
import { type ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';

import { type HuggingFaceEndpoints, type ResolvedConfig } from './config.js';
import { maxProviderTextLength } from './constants.js';
import { connectorError, type Step } from './errors.js';
import { type HttpRequest, type HttpResponse, sendRequest, stepTimeMs, TransportError } from './http.js';
import { shorten, stripControlCharacters } from './quote.js';
import { type Redactor } from './redaction.js';

/** The Hugging Face endpoints the connector asks after the user is back. */
export type HubEndpoint = 'token' | 'userInfo' | 'jwks';

/** What describes an endpoint: the step it serves unless a call names another, and its name in messages. */
type EndpointDescription = { step: Step; label: string };

const endpoints: Record<HubEndpoint, EndpointDescription> = {
  token: { step: 'token', label: 'token endpoint' },
  userInfo: { step: 'userinfo', label: 'userinfo endpoint' },
  jwks: { step: 'id_token', label: 'key set (JWKS)' },
};

/** A request to an endpoint: everything but the URL and the time limit, which come from the config. */
export type HubRequest = Omit<HttpRequest, 'url' | 'timeoutMs'> & {
  /** The step, when it is not the endpoint's own (a refresh at the token endpoint). */
  step?: Step;
};

/** The URL of an endpoint under the configured hub. */
const urlOf = (config: Pick<ResolvedConfig, 'endpoints'>, endpoint: HubEndpoint): URL =>
  config.endpoints[endpoint satisfies keyof HuggingFaceEndpoints];

/**
 * The error for a request that produced no usable answer: none in time, none at all, or one too
 * large to read.
 *
 * @returns `InvalidResponse` for a body over the size limit; `General` for a timeout or a
 *   network error, naming the endpoint's origin. The failure is kept as the `cause`.
 */
const unansweredError = (failure: TransportError, url: URL, endpoint: HubEndpoint, step: Step): ConnectorError => {
  const { label } = endpoints[endpoint];
  if (failure.reason === 'too_large') {
    return connectorError(
      ConnectorErrorCodes.InvalidResponse,
      `Hugging Face's answer from ${label} is too large (${failure.detail}).`,
      { step },
      failure
    );
  }
  const outcome =
    failure.reason === 'timeout'
      ? `did not answer in time (${failure.detail})`
      : `could not be reached (${failure.detail})`;
  return connectorError(
    ConnectorErrorCodes.General,
    `Hugging Face's ${label} (${url.origin}) ${outcome}. Check the hub URL and the network, then try again.`,
    { step },
    failure
  );
};

/**
 * Sends a request to an endpoint and returns its answer, whatever the status.
 *
 * @param config - The resolved config: the endpoint's URL and the time limit of an attempt.
 * @param endpoint - Which endpoint.
 * @param request - Method, headers, form, retries and the step's deadline.
 * @throws ConnectorError `General` when no answer came in time or at all, `InvalidResponse` for
 *   one too large to read; the transport's failure kept as the `cause`.
 */
export const askHub = async (
  config: Pick<ResolvedConfig, 'endpoints' | 'timeoutMs'>,
  endpoint: HubEndpoint,
  { step = endpoints[endpoint].step, ...request }: HubRequest
): Promise<HttpResponse> => {
  const url = urlOf(config, endpoint);
  try {
    return await sendRequest({ ...request, url, timeoutMs: config.timeoutMs });
  } catch (error: unknown) {
    throw error instanceof TransportError ? unansweredError(error, url, endpoint, step) : error;
  }
};

/**
 * The error for a step whose time ran out before an endpoint was even asked (waiting for a fetch
 * another sign-in started), worded as when the endpoint did not answer in time.
 *
 * @param config - The resolved config: the endpoint's URL and the step's time.
 * @param endpoint - The endpoint the step was waiting for.
 */
export const stepTimedOutError = (
  config: Pick<ResolvedConfig, 'endpoints' | 'timeoutMs'>,
  endpoint: HubEndpoint
): ConnectorError =>
  unansweredError(
    new TransportError('timeout', `no answer within ${stepTimeMs(config)} ms`),
    urlOf(config, endpoint),
    endpoint,
    endpoints[endpoint].step
  );

/**
 * Tells whether a status is a redirect, which the connector never follows so that credentials
 * reach only the configured hub. A 304 is not one (nothing was asked conditionally): it is an
 * unexpected status like any other.
 *
 * @param status - The HTTP status of an answer.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-15.4
 */
export const isRedirect = (status: number): boolean => status >= 300 && status < 400 && status !== 304;

/**
 * Refuses a redirect (see {@link isRedirect}): the connector never follows one.
 *
 * @param response - The answer, whatever its status.
 * @param endpoint - Which endpoint answered.
 * @param step - The step, when it is not the endpoint's own.
 * @throws ConnectorError `General` for any 3xx but 304.
 */
export const refuseRedirect = (
  response: HttpResponse,
  endpoint: HubEndpoint,
  step: Step = endpoints[endpoint].step
): void => {
  if (isRedirect(response.status)) {
    throw connectorError(
      ConnectorErrorCodes.General,
      `Hugging Face's ${endpoints[endpoint].label} answered with a redirect (${response.status}), which is not followed. Check the hub URL.`,
      { step, status: response.status }
    );
  }
};

/** A JSON value, as `JSON.parse` returns it and as Logto keeps it (`rawData`). */
export type Json = string | number | boolean | null | Json[] | JsonObject;

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/**
 * Parses a JSON object body: the one parser every Hugging Face answer goes through.
 *
 * @param body - A response body as text.
 * @returns The object, or `undefined` when the body is not JSON or not an object.
 */
export const parseJsonObject = (body: string): JsonObject | undefined => {
  try {
    // What JSON.parse returns is JSON by definition.
    const parsed = JSON.parse(body) as Json;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? parsed
      : undefined;
  } catch {
    return undefined;
  }
};

const tokenFields = ['access_token', 'refresh_token', 'id_token'] as const;

/** What Hugging Face put in an OAuth error body. */
export type ProviderErrorBody = {
  error?: string;
  error_description?: string;
};

/**
 * Reads an OAuth error (`error`, `error_description`) from a response body, or keeps the start of
 * a body that is not one; control characters removed, cut short and redacted. Tokens the body
 * carries (a server that sends tokens with an error status) are added to the redactor.
 *
 * @param body - The response body as text.
 * @param redactor - The redactor of the call.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export const readProviderError = (body: string, redactor: Redactor): ProviderErrorBody => {
  const clean = (value: string) =>
    shorten(stripControlCharacters(redactor.redact(value)), maxProviderTextLength);
  const record = parseJsonObject(body);
  if (record) {
    redactor.hide(
      ...tokenFields.map((field) => record[field]).filter((value) => typeof value === 'string')
    );
    const { error, error_description: description } = record;
    const result: ProviderErrorBody = {};
    if (typeof error === 'string' && error) {
      result.error = clean(error);
    }
    if (typeof description === 'string' && description) {
      result.error_description = clean(description);
    }
    if (result.error ?? result.error_description) {
      return result;
    }
  }
  const text = body.trim();
  return text ? { error_description: clean(text) } : {};
};
