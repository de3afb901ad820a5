/**
 * Undoing what a setup started, last first, whatever fails on the way: a core stops before its
 * database is dropped.
 */

/** Steps to undo, and the call that runs them. */
export type UndoStack = {
  /** Adds a step, to run before every step added earlier. */
  push(step: () => Promise<void>): void;
  /** Runs every step added so far, last first, each once; a failing step is logged, not thrown. */
  undo(): Promise<void>;
};

/** Creates an empty {@link UndoStack}. */
export function createUndoStack(): UndoStack {
  const steps: Array<() => Promise<void>> = [];
  return {
    push(step) {
      steps.push(step);
    },
    async undo() {
      for (const step of steps.splice(0).reverse()) {
        // eslint-disable-next-line no-await-in-loop -- each step waits for the one started after it
        await step().catch((error: unknown) => console.error(error));
      }
    },
  };
}
