/**
 * Logto's connector session, as tests, the playground and the benchmarks need it: kept as JSON
 * text and replaced whole on every `setSession`, so only what survives a JSON round trip reaches
 * `getUserInfo`, and two connector instances (two Logto replicas) can share it.
 */
import { type ConnectorSession, type GetSession, type SetSession } from '@logto/connector-kit';

/** A connector session store with Logto's semantics. */
export type LogtoSessionStore = {
  /** Replaces the whole stored session with its JSON copy. */
  setSession: SetSession;
  /** A fresh parse of the stored JSON; an empty object before the first write. */
  getSession: GetSession;
  /** The stored session parsed again, or `undefined` before the first write. */
  saved: () => Record<string, unknown> | undefined;
  /** The JSON text as stored, to hand to another replica. */
  json: () => string | undefined;
};

/**
 * Creates a session store.
 *
 * @param initialJson - JSON text to start from, as if another replica had stored it.
 */
export const createLogtoSessionStore = (initialJson?: string): LogtoSessionStore => {
  let stored = initialJson;
  const saved = () => (stored === undefined ? undefined : (JSON.parse(stored) as Record<string, unknown>));
  return {
    // Like Logto's async storage, a failure here rejects the promise instead of throwing.
    setSession: (session: ConnectorSession) =>
      new Promise<void>((resolve) => {
        stored = JSON.stringify(session);
        resolve();
      }),
    getSession: () =>
      new Promise<ConnectorSession>((resolve) => {
        resolve(saved() ?? {});
      }),
    saved,
    json: () => stored,
  };
};
