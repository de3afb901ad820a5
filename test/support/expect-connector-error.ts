/**
 * The one assertion every suite uses for failures: the promise rejects with a connector-kit
 * `ConnectorError` of exactly this code whose `errorDescription` contains each fragment.
 */
import { ConnectorError, type ConnectorErrorCodes } from '@logto/connector-kit';
import { expect } from 'vitest';

/** A `ConnectorError` whose data carries the readable description. */
export type DescribedConnectorError = ConnectorError & {
  data: { errorDescription: string } & Record<string, unknown>;
};

/**
 * Awaits a promise that must reject with a `ConnectorError` of the given code.
 *
 * @param promise - The connector call.
 * @param code - The exact expected code.
 * @param fragments - Texts the error's `errorDescription` must contain.
 * @returns The error, for further checks of its data.
 */
export const expectConnectorError = async (
  promise: Promise<unknown>,
  code: ConnectorErrorCodes,
  ...fragments: string[]
): Promise<DescribedConnectorError> => {
  const outcome = await promise.then(
    (value: unknown) => ({ settled: 'fulfilled' as const, value }),
    (error: unknown) => ({ settled: 'rejected' as const, error })
  );
  expect(outcome.settled).toBe('rejected');
  const error = outcome.settled === 'rejected' ? outcome.error : undefined;
  expect(error).toBeInstanceOf(ConnectorError);
  const connectorError = error as DescribedConnectorError;
  expect(connectorError.code).toBe(code);
  expect(connectorError.data).toMatchObject({ errorDescription: expect.any(String) });
  for (const fragment of fragments) {
    expect(connectorError.data.errorDescription).toContain(fragment);
  }
  return connectorError;
};
