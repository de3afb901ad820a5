/**
 * The playground's stand-in for Logto's interaction storage: per browser, the connector session
 * kept as JSON text and replaced whole on every `setSession`, as Logto does, plus the values
 * Logto itself keeps (the state it checks and when the user left for Hugging Face), and the last
 * result page, so that reloading it shows it again.
 */
import { randomBytes } from 'node:crypto';

import { createLogtoSessionStore, type LogtoSessionStore } from '../stand-in/logto/index.js';

/** What Logto keeps for one browser's sign-in. */
type Interaction = {
  /** The connector session, kept as JSON and replaced whole on each write. */
  connectorSession: LogtoSessionStore;
  /** The `state` Logto generated and checks on the callback. */
  state?: string;
  /** When the browser was redirected to Hugging Face, to time the stay there. */
  redirectedAt?: number;
  /** How long `getAuthorizationUri` took. */
  authorizationUriMs?: number;
  /** The last finished sign-in: its `state` and the result page, shown again on a reload. */
  finished?: { state: string; page: string };
};

const maxInteractions = 10_000;

/** Interactions by browser cookie. */
export class InteractionStore {
  readonly #interactions = new Map<string, Interaction>();

  /** A new random interaction id for a browser cookie. */
  static newId(): string {
    return randomBytes(18).toString('base64url');
  }

  /**
   * The interaction of a browser, created when absent.
   *
   * @param id - The browser's cookie value.
   */
  get(id: string): Interaction {
    let interaction = this.#interactions.get(id);
    if (!interaction) {
      if (this.#interactions.size >= maxInteractions) {
        // Oldest first: Map keeps insertion order.
        const oldest = this.#interactions.keys().next().value;
        if (oldest !== undefined) {
          this.#interactions.delete(oldest);
        }
      }
      interaction = { connectorSession: createLogtoSessionStore() };
      this.#interactions.set(id, interaction);
    }
    return interaction;
  }
}
