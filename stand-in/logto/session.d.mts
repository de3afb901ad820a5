import { type GetSession, type SetSession } from '@logto/connector-kit';

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
export declare const createLogtoSessionStore: (initialJson?: string) => LogtoSessionStore;
