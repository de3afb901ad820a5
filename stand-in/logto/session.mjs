/**
 * Logto's connector session, as tests, the playground and the benchmarks need it: kept as JSON
 * text and replaced whole on every `setSession`, so only what survives a JSON round trip reaches
 * `getUserInfo`, and two connector instances (two Logto replicas) can share it.
 *
 * Plain JavaScript, so that the benchmark's measured process loads it without a TypeScript
 * loader; its types are in `session.d.mts`.
 */

/**
 * Creates a session store.
 *
 * @param {string} [initialJson] - JSON text to start from, as if another replica had stored it.
 */
export const createLogtoSessionStore = (initialJson) => {
  let stored = initialJson;
  const saved = () => (stored === undefined ? undefined : JSON.parse(stored));
  return {
    // Like Logto's async storage, a failure here rejects the promise instead of throwing.
    setSession: (session) =>
      new Promise((resolve) => {
        stored = JSON.stringify(session);
        resolve();
      }),
    getSession: () =>
      new Promise((resolve) => {
        resolve(saved() ?? {});
      }),
    saved,
    json: () => stored,
  };
};
