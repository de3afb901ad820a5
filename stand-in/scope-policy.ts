/**
 * Which scopes an authorization request may ask for. Hugging Face rejects a scope it does not
 * know and a scope that is not enabled in the app's settings (an `invalid_scope` error redirect);
 * oidc-provider alone would drop both silently.
 */
import { knownScopes } from '../src/constants.js';

import type { StandInClient } from './clients.js';

/** Every scope Hugging Face documents (the connector's own list); the stand-in rejects any other with `invalid_scope`. */
export const hfScopes: readonly string[] = knownScopes;

/** Decides whether a client may request a scope string. */
export type ScopePolicy = {
  /**
   * Why `client` may not request `scope` (a space-separated list), or `undefined` when it may.
   * The reason is the `error_description` of the `invalid_scope` answer.
   */
  refusal(clientId: string, scope: string): string | undefined;
};

/** The scope policy for the registered `clients`: each may request the scopes enabled for it. */
export const createScopePolicy = (clients: readonly StandInClient[]): ScopePolicy => {
  const known = new Set(hfScopes);
  const enabled = new Map(clients.map((client) => [client.clientId, new Set(client.allowedScopes ?? hfScopes)]));
  return {
    refusal(clientId, scope) {
      for (const requested of scope.split(' ')) {
        if (!requested) continue;
        if (!known.has(requested)) {
          return `Unknown scope "${requested}"`;
        }
        if (!enabled.get(clientId)?.has(requested)) {
          return `The scope "${requested}" is not enabled for this application`;
        }
      }
      return undefined;
    },
  };
};
