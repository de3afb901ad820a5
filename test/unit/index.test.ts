import { ConnectorError, ConnectorErrorCodes, ConnectorType } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import { huggingFaceConfigGuard, metadata } from '../../src/index.js';
import {
  clientSecret,
  createTestConnector,
  expectConnectorError,
  isolateNetwork,
  startSignIn,
} from '../support/kit.js';

isolateNetwork();

describe('the connector the default export builds', () => {
  it('is the social connector Logto registers, with the metadata and the config guard', async () => {
    const connector = await createTestConnector({});

    expect(connector).toMatchObject({ metadata, type: ConnectorType.Social, configGuard: huggingFaceConfigGuard });
  });

  it('validates the config of each call: an invalid one fails with InvalidConfig at the config step', async () => {
    const error = await expectConnectorError(startSignIn({ config: { clientId: ' ' } }), ConnectorErrorCodes.InvalidConfig);

    expect(error.data).toEqual({
      errorDescription: "The Hugging Face connector's config is invalid. clientId: clientId is required.",
      step: 'config',
    });
  });

  it("turns a getConfig that fails into General, without quoting Logto's text", async () => {
    const connector = await createTestConnector(new Error(`database down, password=${clientSecret}`));

    const error = await expectConnectorError(startSignIn({ connector }), ConnectorErrorCodes.General);

    expect(error.data).toEqual({
      errorDescription:
        "Logto could not load the Hugging Face connector's config. Check that the connector is configured in the console and that Logto's database is reachable.",
    });
  });

  it("keeps the code and data of a ConnectorError getConfig throws, as connector-kit's validateConfig does", async () => {
    const connector = await createTestConnector(
      new ConnectorError(ConnectorErrorCodes.InvalidConfig, 'clientId: Required')
    );

    // connector-kit keeps a text as `data.message`; Logto shows that data as it is.
    await expect(startSignIn({ connector })).rejects.toMatchObject({
      code: ConnectorErrorCodes.InvalidConfig,
      data: { message: 'clientId: Required' },
    });
  });
});

describe("Logto's session store failing with the client secret in its text", () => {
  /** What Logto's session store might throw: a text that happens to quote the client secret. */
  const storeFailure = async () => Promise.reject(new Error(`session store refused ${clientSecret}`));

  /** The original failure the connector keeps as the error's `cause`. */
  const causeOf = (error: ConnectorError) => (error as { cause?: Error }).cause;

  it('reaches Logto from getAuthorizationUri as General, the secret removed from the cause', async () => {
    const error = await expectConnectorError(startSignIn({ setSession: storeFailure }), ConnectorErrorCodes.General);
    expect(causeOf(error)?.message).toBe('session store refused [redacted]');
  });

  it('reaches Logto from getUserInfo as General, the secret removed from the cause', async () => {
    const { connector, signInPagePost } = await startSignIn();

    const error = await expectConnectorError(connector.getUserInfo(signInPagePost, storeFailure), ConnectorErrorCodes.General);
    expect(causeOf(error)?.message).toBe('session store refused [redacted]');
  });
});
