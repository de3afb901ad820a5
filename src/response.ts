/**
 * Shared reading of Hugging Face responses: transport failures and JSON bodies.
 */
import { ConnectorErrorCodes } from '@logto/connector-kit';

import { connectorError } from './errors.js';
import { type HttpRequest, type HttpResponse, sendRequest, TransportError } from './http.js';

/**
 * Sends a request and turns transport failures into connector errors.
 *
 * @param request - The request.
 * @param step - The step name for the error (`token`, `userinfo`, …).
 * @param what - What was asked for, for the message (`the token endpoint`).
 * @throws ConnectorError `General` for a timeout or network error; `InvalidResponse` for a body
 *   over the size limit.
 */
export const requestHuggingFace = async (
  request: HttpRequest,
  step: string,
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
        { step }
      );
    }
    const cause =
      error.reason === 'timeout'
        ? `did not answer in time (${error.detail})`
        : `could not be reached (${error.detail})`;
    throw connectorError(
      ConnectorErrorCodes.General,
      `Hugging Face's ${what} (${request.url.origin}) ${cause}. Check the hub URL and the network, then try again.`,
      { step }
    );
  }
};

/**
 * Parses a JSON object body.
 *
 * @returns The object, or `undefined` when the body is not JSON or not an object.
 */
export const parseJsonObject = (body: string): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
};
