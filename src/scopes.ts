/**
 * Reading a space-separated scope list, shared by the config guard and the per-request override.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 * @see https://huggingface.co/docs/hub/oauth#currently-supported-scopes
 */
import { type KnownScope, knownScopes } from './constants.js';
import { quoteInput } from './quote.js';

/**
 * Tells whether a scope list (space-separated, as requested and as saved in the session) holds a
 * scope.
 *
 * @param scope - For example `openid profile`.
 * @param wanted - The scope looked for.
 */
export const hasScope = (scope: string, wanted: KnownScope): boolean =>
  scope.split(' ').includes(wanted);

/** The outcome of reading a scope list: the scopes, or a sentence naming the bad token. */
export type ScopeParseResult = { scopes: KnownScope[] } | { problem: string };

const knownScopeList = knownScopes.join(', ');

const isKnownScope = (token: string): token is KnownScope =>
  (knownScopes as readonly string[]).includes(token);

/**
 * Splits a scope string on white space and checks each token.
 *
 * @param value - For example `openid profile email`.
 * @returns The scopes in their given order, or a problem for the first bad token: a comma, a
 *   duplicate, or a scope Hugging Face does not know (the message lists the known ones).
 */
export const parseScopes = (value: string): ScopeParseResult => {
  const tokens = value.split(/\s+/).filter(Boolean);
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.includes(',')) {
      return {
        problem: `Scopes are separated by spaces, not commas: ${quoteInput(token)}. Known scopes: ${knownScopeList}.`,
      };
    }
    if (!isKnownScope(token)) {
      return {
        problem: `Unknown Hugging Face scope ${quoteInput(token)}. Known scopes: ${knownScopeList}.`,
      };
    }
    if (seen.has(token)) {
      return { problem: `The scope ${quoteInput(token)} is listed more than once.` };
    }
    seen.add(token);
  }
  return { scopes: tokens.filter((token): token is KnownScope => isKnownScope(token)) };
};
