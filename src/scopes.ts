/**
 * Scopes as lists: reading the space-separated text an admin or Logto gives (shared by the config
 * guard and the per-request override), the extra scopes an operator allows beyond the known list,
 * the session's guard, and the one test for a scope. The list is joined into text only where it
 * goes on the wire.
 *
 * A scope is requested when Hugging Face documents it ({@link knownScopes}) or when the config's
 * `extraScopes` lists it: an explicit opt-in, so a typo such as `profle` is still refused when the
 * config is saved, while a scope Hugging Face adds after a release can be used at once.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.3
 * @see https://huggingface.co/docs/hub/oauth#currently-supported-scopes
 */
import { z } from 'zod';

import { type KnownScope, knownScopes, scopePattern } from './constants.js';
import { quoteInput } from './quote.js';

/**
 * Tells whether a scope list (as configured, requested and saved in the session) holds a scope.
 *
 * @param scopes - For example `['openid', 'profile']`.
 * @param wanted - The scope looked for.
 */
export const hasScope = (scopes: readonly string[], wanted: KnownScope): boolean =>
  scopes.includes(wanted);

/** A scope list as JSON keeps it (the connector session): each scope of Hugging Face's shape. */
export const scopeListGuard = z.array(z.string().regex(scopePattern));

/** The outcome of reading a scope list: the scopes, or a sentence naming the bad token. */
export type ScopeParseResult = { scopes: string[] } | { problem: string };

const knownScopeList = knownScopes.join(', ');

const isKnownScope = (token: string): boolean => (knownScopes as readonly string[]).includes(token);

/**
 * Splits a scope text on white space, refusing a comma and a duplicate; whether each scope may be
 * requested is {@link unknownScopeProblem}'s question.
 *
 * @param value - For example `openid profile email`.
 * @returns The scopes in their given order, or a problem for the first comma or duplicate.
 */
export const splitScopes = (value: string): ScopeParseResult => {
  const scopes = value.split(/\s+/).filter(Boolean);
  const withComma = scopes.find((scope) => scope.includes(','));
  if (withComma !== undefined) {
    return {
      problem: `Scopes are separated by spaces, not commas: ${quoteInput(withComma)}. Known scopes: ${knownScopeList}.`,
    };
  }
  const seen = new Set<string>();
  for (const scope of scopes) {
    if (seen.has(scope)) {
      return { problem: `The scope ${quoteInput(scope)} is listed more than once.` };
    }
    seen.add(scope);
  }
  return { scopes };
};

/**
 * Names the first scope of a list that is neither known nor one of the extra scopes.
 *
 * @param scopes - Scopes as {@link splitScopes} read them.
 * @param extraScopes - The config's `extraScopes`.
 * @returns A sentence listing the known scopes and pointing at `extraScopes`, or `undefined`
 *   when every scope may be requested.
 */
export const unknownScopeProblem = (
  scopes: readonly string[],
  extraScopes: readonly string[]
): string | undefined => {
  const unknown = scopes.find((scope) => !isKnownScope(scope) && !extraScopes.includes(scope));
  return unknown === undefined
    ? undefined
    : `Unknown Hugging Face scope ${quoteInput(unknown)}. Known scopes: ${knownScopeList}. For a scope Hugging Face added after this release, list it in extraScopes too.`;
};

/**
 * Reads the scopes to request.
 *
 * @param value - For example `openid profile email`.
 * @param extraScopes - The config's `extraScopes`, which may be requested besides the known scopes.
 * @returns The scopes in their given order, or a problem for the first bad token: a comma, a
 *   duplicate, or a scope neither known nor extra (see {@link unknownScopeProblem}).
 */
export const parseScopes = (value: string, extraScopes: readonly string[]): ScopeParseResult => {
  const result = splitScopes(value);
  if ('problem' in result) {
    return result;
  }
  const problem = unknownScopeProblem(result.scopes, extraScopes);
  return problem === undefined ? result : { problem };
};

/**
 * Reads the config's `extraScopes`: scopes outside the known list that `scope` and a
 * per-request scope may name. A known scope is accepted too, so a config stays valid once a
 * release knows the scope.
 *
 * @param value - For example `read-papers write-papers`.
 * @returns The scopes, or a problem for the first bad token: a comma, a duplicate, or a token not
 *   shaped like a Hugging Face scope ({@link scopePattern}).
 */
export const parseExtraScopes = (value: string): ScopeParseResult => {
  const result = splitScopes(value);
  if ('problem' in result) {
    return result;
  }
  const misshapen = result.scopes.find((scope) => !scopePattern.test(scope));
  return misshapen === undefined
    ? result
    : {
        problem: `${quoteInput(misshapen)} is not shaped like a Hugging Face scope: lower-case letters and digits in words joined by single hyphens, starting with a letter, at most 64 characters (for example read-mcp).`,
      };
};
