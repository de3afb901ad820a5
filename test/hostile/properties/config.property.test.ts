/**
 * Property: whatever `getConfig` returns (or throws), Logto's console guard answers without
 * throwing, a config the README's rules refuse is refused, and a sign-in either starts on a safe
 * hub with exactly the OAuth and PKCE parameters or ends with a coded error holding no secret.
 */
import { createHash } from 'node:crypto';

import { type ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { huggingFaceConfigGuard } from '../../../lib/index.js';
import { type StartedSignIn, startSignIn } from '../../support/kit.js';
import { builtConnector, classify, distinctive, settle } from '../support.js';

import { asSent, type ConfigCase, configArb, fill, objectText, slots } from './generators.js';
import { createEndingTally, expectContract, useHarness } from './harness.js';
import { mustBeRejected, only } from './model.js';

/** Generated cases; SECURITY.md cites this number. */
const generatedCases = 3500;

const { stage } = useHarness();

/** RFC 8252 8.3 and the README: plain http only for a loopback host. */
const loopbackHosts = new Set(['localhost', '[::1]', '127.0.0.1', '127.0.0.2']);

describe('hostile configs', () => {
  it('survives any config returned by getConfig', async () => {
    const endings = createEndingTally();
    await fc.assert(
      fc.asyncProperty(configArb, async (configCase: ConfigCase) => {
        const secret = distinctive('secret');
        const state = distinctive('state');
        const config: unknown = configCase.throws
          ? new Error(`storage unavailable ${secret}`)
          : JSON.parse(fill(configCase.text, { secret, hub: stage.server.url }));
        stage.server.requests.length = 0;

        let parsed: ReturnType<typeof huggingFaceConfigGuard.safeParse> | undefined;
        if (!configCase.throws) {
          // Logto's console validates with the same guard: it must answer, never throw.
          expect(() => {
            parsed = huggingFaceConfigGuard.safeParse(config);
          }).not.toThrow();
        }
        const valid = parsed?.success === true;
        if (!configCase.throws && mustBeRejected(config, stage.server.url)) {
          expect(valid).toBe(false);
        }

        const connector = await builtConnector(config);
        const authorization = await settle(startSignIn({ connector, hubUrl: stage.server.url, state }));
        const started = authorization.settled === 'resolved' ? (authorization.value as StartedSignIn) : undefined;
        // A cancelled sign-in needs no network, whatever hub the config names.
        const callback = await settle(
          connector.getUserInfo({ error: 'access_denied', state }, started?.store.getSession ?? (() => Promise.resolve({})))
        );
        endings.count(started ? 'resolved' : classify(authorization));

        const secrets = { clientSecret: secret };
        if (configCase.throws) {
          expectContract(authorization, only(ConnectorErrorCodes.General), secrets);
          expectContract(callback, only(ConnectorErrorCodes.General), secrets);
          return;
        }
        if (!valid) {
          expectContract(authorization, only(ConnectorErrorCodes.InvalidConfig), secrets);
          expectContract(callback, only(ConnectorErrorCodes.InvalidConfig), secrets);
          expect((authorization as { error: ConnectorError }).error.data).toMatchObject({
            errorDescription: expect.stringContaining(
              "The Hugging Face connector's config is invalid."
            ),
          });
          return;
        }
        expect(started).toBeDefined();
        expectContract(callback, only(ConnectorErrorCodes.AuthorizationFailed), secrets);
        const { url, codeVerifier } = started!;
        expect(
          url.protocol === 'https:' || (url.protocol === 'http:' && loopbackHosts.has(url.hostname))
        ).toBe(true);
        expect(url.username + url.password).toBe('');
        expect(url.pathname.endsWith('/oauth/authorize')).toBe(true);
        expect(url.href.includes(secret)).toBe(false);
        const { clientId: configuredId } = config as { clientId: string };
        expect(url.searchParams.get('client_id')).toBe(asSent(configuredId.trim()));
        expect(url.searchParams.get('state')).toBe(state);
        expect(url.searchParams.get('code_challenge_method')).toBe('S256');
        // RFC 7636 4.2: the verifier stays in the session; only its S256 challenge travels.
        expect(url.searchParams.get('code_challenge')).toBe(
          createHash('sha256').update(codeVerifier).digest('base64url')
        );
        expect(url.href.includes(codeVerifier)).toBe(false);
        expect(stage.server.requests).toHaveLength(0);
      }),
      {
        numRuns: generatedCases,
        // Coercing this object to a number throws: the guard must report it, not crash.
        examples: [
          [
            {
              throws: false,
              text: objectText([
                ['clientId', '"a"'],
                ['clientSecret', JSON.stringify(slots.secret)],
                ['requestTimeoutMs', '{"toString":1,"valueOf":1}'],
              ]),
            },
          ],
        ],
      }
    );
    endings.expectReached(['resolved', ConnectorErrorCodes.InvalidConfig, ConnectorErrorCodes.General]);
  }, 600_000);
});
