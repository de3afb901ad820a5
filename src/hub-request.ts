/**
 * Asking Hugging Face: one request through the transport (`http.ts`), a failure to get an answer
 * translated into a connector error (`errors.ts`). What the answer means is the caller's to read.
 */
import { transportFailureError, type Step } from './errors.js';
import { type HttpRequest, type HttpResponse, sendRequest, TransportError } from './http.js';

/**
 * Sends a request to Hugging Face and returns its answer, whatever the status.
 *
 * @param request - The request.
 * @param step - The step, for the error.
 * @param what - What was asked for, for the message (`token endpoint`).
 * @throws ConnectorError see {@link transportFailureError}.
 */
export const requestHuggingFace = async (
  request: HttpRequest,
  step: Step,
  what: string
): Promise<HttpResponse> => {
  try {
    return await sendRequest(request);
  } catch (error: unknown) {
    throw error instanceof TransportError
      ? transportFailureError(error, request.url, step, what)
      : error;
  }
};
