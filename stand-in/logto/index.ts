/**
 * Logto's side of a sign-in, as the tests, the playground and the benchmarks play it: the
 * connector session Logto keeps for each sign-in (JSON text, replaced whole on every write).
 *
 * @example
 * ```ts
 * const session = createLogtoSessionStore();
 * const url = await connector.getAuthorizationUri({ state, redirectUri }, session.setSession);
 * // ... the user at Hugging Face ...
 * const userInfo = await connector.getUserInfo({ ...callbackQuery, redirectUri }, session.getSession);
 * ```
 */
export { createLogtoSessionStore, type LogtoSessionStore } from './session.mjs';
