/**
 * The README's troubleshooting table, which the playground shows as hints, covers the errors the
 * connector really produces: each one finds a row by its code and message start.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ConnectorError, ConnectorErrorCodes } from '@logto/connector-kit';
import { describe, expect, it } from 'vitest';

import { findHint, parseTroubleshootingTable } from '../../playground/troubleshooting.js';
import { maskToken } from '../../playground/views.js';
import { createAuthorizationRequest } from '../../src/authorization.js';
import { readAuthorizationCode } from '../../src/callback.js';
import { resolveConfig } from '../../src/config.js';
import { assertAuthorizedOrganization } from '../../src/organizations.js';
import { createRedactor } from '../../src/redaction.js';
import { assertSessionMatchesConfig } from '../../src/session.js';
import { processTokenResponse } from '../../src/token.js';

const readme = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'),
  'utf8'
);
const rows = parseTroubleshootingTable(readme);
const config = resolveConfig({ clientId: 'id', clientSecret: 'secret-of-sixteen-chars' });
const session = createAuthorizationRequest(config, { state: 's', redirectUri: 'https://logto.test/callback/c' }).session;
const codeGrant = {
  grantType: 'authorization_code' as const,
  code: 'code',
  redirectUri: session.redirectUri,
  codeVerifier: session.codeVerifier,
};

const caught = (run: () => unknown): ConnectorError => {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof ConnectorError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a ConnectorError');
};

const tokenAnswer = (status: number, body: unknown) => () =>
  processTokenResponse(
    { status, body: JSON.stringify(body) },
    codeGrant,
    createRedactor()
  );

/**
 * What Logto shows the user for each code: the English texts of Logto's `errors.connector`
 * phrases (packages/phrases/src/locales/en/errors/connector.ts), the same in `@logto/phrases`
 * 1.31.0 and in Logto's source of August 2026 (1.42.0 and later). `general` shows the
 * connector's message after its prefix.
 */
const logtoPhrases: Readonly<Record<string, string>> = {
  invalid_config: "The connector's config is invalid.",
  invalid_request_parameters: 'The request is with wrong input parameter(s).',
  authorization_failed: "The user's authorization process is unsuccessful.",
  social_auth_code_invalid: 'Unable to get access token, please check authorization code.',
  social_invalid_id_token: "The connector's id token is invalid.",
  social_invalid_access_token: "The connector's access token is invalid.",
  invalid_response: "The connector's response is invalid.",
  general: 'Error occurred in connector: …',
};

describe('README troubleshooting table', () => {
  it('has a row for every listed code, each a connector-kit code', () => {
    const codes = new Set<string>(Object.values(ConnectorErrorCodes));

    expect(rows.length).toBeGreaterThanOrEqual(20);
    expect(rows.filter((row) => !codes.has(row.code))).toEqual([]);
  });

  it("says, in each row, the text Logto shows the user for the row's code", () => {
    const wrong = rows
      .filter((row) => row.userSees !== logtoPhrases[row.code])
      .map(({ code, userSees }) => `${code}: ${userSees}`);

    expect(wrong).toEqual([]);
    expect(new Set(rows.map(({ code }) => code))).toEqual(new Set(Object.keys(logtoPhrases)));
  });

  it('writes each code as Logto answers it, with the connector. prefix', () => {
    const section = readme.split(/^## Troubleshooting$/m)[1] ?? '';
    const codeCells = [...section.matchAll(/^\|[^|]*\| `([^`]*)` \|/gm)]
      .map(([, code]) => code)
      .filter((code) => code !== 'code');

    expect(codeCells).toEqual(rows.map(({ code }) => `connector.${code}`));
  });

  it.each([
    ['an invalid config', () => resolveConfig({ clientId: '', clientSecret: 'x' })],
    ['a refused scope', () => readAuthorizationCode({ error: 'invalid_scope' }, session, createRedactor())],
    ['a cancelled sign-in', () => readAuthorizationCode({ error: 'access_denied' }, session, createRedactor())],
    ['another provider error', () => readAuthorizationCode({ error: 'server_error' }, session, createRedactor())],
    ['a state mismatch', () => readAuthorizationCode({ code: 'c', state: 'other' }, session, createRedactor())],
    ['a callback with nothing', () => readAuthorizationCode({ state: 's' }, session, createRedactor())],
    ['malformed callback data', () => readAuthorizationCode({ code: 42 }, session, createRedactor())],
    ['a config changed during the sign-in', () => assertSessionMatchesConfig(session, { ...config, hubUrl: 'https://hub-ci.huggingface.co' })],
    ['a bad override scope', () => createAuthorizationRequest(config, { state: 's', redirectUri: 'https://l.test/cb', scope: 'profil' })],
    ['a user of no authorized organization', () => assertAuthorizedOrganization({ sub: 'user', orgs: [] }, ['ml-lab'])],
    [
      'a member whose membership Hugging Face restricts',
      () =>
        assertAuthorizedOrganization(
          { sub: 'user', orgs: [{ preferred_username: 'ml-lab', securityRestrictions: ['mfa'] }] },
          ['ml-lab']
        ),
    ],
    ['a rejected code', tokenAnswer(400, { error: 'invalid_grant' })],
    ['rejected client credentials', tokenAnswer(401, { error: 'invalid_client' })],
    ['a token endpoint outage', tokenAnswer(503, { error: 'temporarily_unavailable' })],
    ['a malformed token response', tokenAnswer(200, { token_type: 'bearer' })],
  ])('finds the specific row for %s', (_name, run) => {
    const error = caught(run);
    const message = (error.data as { errorDescription: string }).errorDescription;

    const hint = findHint(rows, error.code, message);

    expect(hint?.code).toBe(error.code);
    expect(message).toContain(hint?.messageStart.split('…').at(-1)?.trim());
  });
});

describe('reading the table', () => {
  const table = (header: string, row: string) =>
    `# X\n\n## Troubleshooting\n\nText.\n\n${header}\n|---|---|---|---|---|\n${row}\n\nAfter.\n\n| a | b |\n|---|---|\n| c | d |\n\n## Next\n`;

  it('finds each column by its header, in any order, and reads only the first table', () => {
    const parsed = parseTroubleshootingTable(
      table(
        '| fix | cause | the message starts with | `code` | the user sees |',
        "| Do this. | That. | … Hugging Face said | `connector.general` | Error occurred in connector: … |"
      )
    );

    expect(parsed).toEqual([
      {
        userSees: 'Error occurred in connector: …',
        code: 'general',
        messageStart: 'Hugging Face said',
        cause: 'That.',
        fix: 'Do this.',
      },
    ]);
  });

  it('reads nothing from a table that lacks one of the columns', () => {
    expect(
      parseTroubleshootingTable(table('| fix | cause | message | code | other |', '| a | b | c | `d` | e |'))
    ).toEqual([]);
  });
});

describe('token masking', () => {
  it.each([
    ['hf_oauth_abcdefghijklmnop', 'hf_o…mnop'],
    ['short-token', '***********'],
  ])('masks %s as %s', (token, masked) => {
    expect(maskToken(token)).toBe(masked);
  });
});
