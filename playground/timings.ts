/**
 * Times each request the connector makes during one call, without touching the connector: Node's
 * HTTP client reports request start and response end on diagnostics channels, and an
 * AsyncLocalStorage ties them to the call being measured.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import { type ClientRequest, type IncomingMessage } from 'node:http';

/** One timed step. */
export type StepTiming = { step: string; ms: number };

const currentSteps = new AsyncLocalStorage<StepTiming[]>();

const stepNames: Record<string, string> = {
  '/oauth/token': 'Token request',
  '/oauth/userinfo': 'Userinfo request',
  '/oauth/jwks': 'Key set (JWKS) request',
};

let listening = false;

const listen = () => {
  if (listening) {
    return;
  }
  listening = true;
  diagnosticsChannel.subscribe('http.client.request.start', (message) => {
    const steps = currentSteps.getStore();
    if (!steps) {
      return;
    }
    const { request } = message as { request: ClientRequest };
    const startedAt = performance.now();
    const path = request.path.split('?')[0] ?? '';
    const name = Object.entries(stepNames).find(([suffix]) => path.endsWith(suffix))?.[1] ?? `Request ${path}`;
    request.once('response', (response: IncomingMessage) => {
      response.once('end', () => {
        steps.push({ step: name, ms: performance.now() - startedAt });
      });
    });
  });
};

/**
 * Runs a call and returns its result with the time of each HTTP request it made and its total.
 *
 * @param label - The name of the whole call in the timings.
 * @param run - The call.
 */
export const timed = async <T>(
  label: string,
  run: () => Promise<T>
): Promise<{ result: T; steps: StepTiming[] } | { error: unknown; steps: StepTiming[] }> => {
  listen();
  const steps: StepTiming[] = [];
  const startedAt = performance.now();
  try {
    const result = await currentSteps.run(steps, run);
    steps.push({ step: label, ms: performance.now() - startedAt });
    return { result, steps };
  } catch (error: unknown) {
    steps.push({ step: label, ms: performance.now() - startedAt });
    return { error, steps };
  }
};
