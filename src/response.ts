/**
 * Asking Hugging Face and reading the outcome: transport failures and redirects become
 * connector errors here, once for every endpoint.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';

import { connectorError, type Step } from './errors.js';
import { type HttpRequest, type HttpResponse, sendRequest, TransportError } from './http.js';

/**
 * Sends a request and turns transport failures into connector errors.
 *
 * @param request - The request.
 * @param step - The step, for the error.
 * @param what - What was asked for, for the message (`token endpoint`).
 * @throws ConnectorError `General` for a timeout or network error; `InvalidResponse` for a body
 *   over the size limit.
 */
export const requestHuggingFace = async (
  request: HttpRequest,
  step: Step,
  what: string
): Promise<HttpResponse> => {
  try {
    return await sendRequest(request);
  } catch (error: unknown) {
    if (!(error instanceof TransportError)) {
      throw error;
    }
    if (error.reason === 'too_large') {
      throw connectorError(
        ConnectorErrorCodes.InvalidResponse,
        `Hugging Face's answer from ${what} is too large (${error.detail}).`,
        { step },
        error
      );
    }
    throw timeoutOrNetworkError(error, request.url, step, what);
  }
};

/**
 * The error for a request that got no answer in time or could not reach Hugging Face.
 *
 * @param failure - Why: a transport failure.
 * @param url - The URL asked, whose origin the message names.
 */
export const timeoutOrNetworkError = (
  failure: TransportError,
  url: URL,
  step: Step,
  what: string
) => {
  const cause =
    failure.reason === 'timeout'
      ? `did not answer in time (${failure.detail})`
      : `could not be reached (${failure.detail})`;
  return connectorError(
    ConnectorErrorCodes.General,
    `Hugging Face's ${what} (${url.origin}) ${cause}. Check the hub URL and the network, then try again.`,
    { step },
    failure
  );
};

/**
 * Refuses a redirect: the connector never follows one, so that credentials reach only the
 * configured hub. A 304 is not a redirect (nothing was asked conditionally) and passes on as an
 * unexpected status.
 *
 * @throws ConnectorError `General` for any 3xx but 304.
 */
export const refuseRedirect = (response: HttpResponse, step: Step, what: string): void => {
  if (response.status >= 300 && response.status < 400 && response.status !== 304) {
    throw connectorError(
      ConnectorErrorCodes.General,
      `Hugging Face's ${what} answered with a redirect (${response.status}), which is not followed. Check the hub URL.`,
      { step, status: response.status }
    );
  }
};
