/**
 * What the playground's result page shows of an ID token's claims: the times (RFC 7519 §4.1 and
 * OpenID Connect Core §2, seconds since 1970-01-01 UTC) as the number and a date people read.
 */
import { describe, expect, it } from 'vitest';

import { renderSuccessPage } from '../../playground/views.js';

/** An unsigned JWT: the page decodes the claims of a token the connector already verified. */
const jwtWith = (claims: Record<string, unknown>) =>
  ['{"alg":"none"}', JSON.stringify(claims), ''].map((part) => Buffer.from(part).toString('base64url')).join('.');

const claimCell = (html: string, claim: string) =>
  new RegExp(`<td data-claim="${claim}">([^<]*)</td>`).exec(html)?.[1];

describe('the ID token claims on the result page', () => {
  const html = renderSuccessPage({
    userInfo: { id: 'user-1' },
    tokenResponse: {
      access_token: 'hf_oauth_access_token_value',
      token_type: 'bearer',
      id_token: jwtWith({ sub: 'user-1', iat: 1_700_000_000, exp: 1_700_003_600, auth_time: 1_699_999_990, nonce: 'n-1' }),
    },
    steps: [],
  });

  it.each([
    ['iat', '1700000000 (2023-11-14 22:13:20 UTC)'],
    ['exp', '1700003600 (2023-11-14 23:13:20 UTC)'],
    ['auth_time', '1699999990 (2023-11-14 22:13:10 UTC)'],
  ])('shows %s as its number and the date it stands for', (claim, shown) => {
    expect(claimCell(html, claim)).toBe(shown);
  });

  it('shows the other claims as they are', () => {
    expect(claimCell(html, 'sub')).toBe('user-1');
    expect(claimCell(html, 'nonce')).toBe('n-1');
  });
});
