/**
 * What the suite checks about Logto's token storage from outside: moving a stored Hugging Face
 * token set's expiry into the past (so no test waits for a clock), and asking the stand-in whose
 * an access token is.
 */
import { expect } from 'vitest';

import type { LogtoDatabase } from './database.js';
import type { Hub } from './hub.js';
import { requestJson } from './http.js';

/**
 * Moves the user's stored token set's `expiresAt` (whole seconds) a minute into the past, as if
 * its 8 hours had passed, and checks that the user has exactly one stored set.
 *
 * @param db - Logto's database.
 * @param userId - The Logto user's ID.
 */
export async function expireStoredTokenSet(db: LogtoDatabase, userId: string): Promise<void> {
  if (!/^\w+$/.test(userId)) throw new TypeError(`Unexpected Logto user id "${userId}"`);
  const updated = await db.query(
    `update secrets set metadata = jsonb_set(metadata, '{expiresAt}', to_jsonb(floor(extract(epoch from now()))::bigint - 60)) where user_id = '${userId}' returning id`,
  );
  expect(updated.split('\n').filter(Boolean), 'stored token sets of the user').toHaveLength(1);
}

/**
 * The stand-in's answer to an access token at its userinfo endpoint: whose it is, or `undefined`
 * when it refuses the token.
 */
export async function tokenOwner(hub: Pick<Hub, 'url'>, accessToken: string): Promise<string | undefined> {
  const { body } = await requestJson<{ sub?: string }>(`${hub.url}/oauth/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  return body.sub;
}
