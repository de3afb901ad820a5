/**
 * A fake clock for tests of waits and time limits, moved only at the instants a test means, never
 * while the code under test waits for I/O: its outcome then does not depend on how fast the
 * machine is. `setTimeout`, `clearTimeout` and `Date` are fake; I/O runs for real, and real time
 * never reaches the code under test.
 *
 * The clock moves in two cases, when the code waits for nothing but time:
 * - over a retry's backoff, by exactly its length (the test file routes `node:timers/promises`'s
 *   `setTimeout` to {@link fakeSleep} with `vi.mock`);
 * - to the end of the running attempt, once the hub has said it will not answer it in full
 *   ({@link noAnswerComing}).
 */
import { vi } from 'vitest';

/** What the code under test is waiting for, when it waits for nothing but time. */
type TimeOnlyWait = { kind: 'sleep'; ms: number } | { kind: 'no-answer' };

const waits: TimeOnlyWait[] = [];
let wakeDriver: (() => void) | undefined;

const enqueue = (wait: TimeOnlyWait) => {
  if (!vi.isFakeTimers()) {
    return;
  }
  waits.push(wait);
  wakeDriver?.();
};

/** When each timer now pending on the fake clock is due. */
const dueAt = new Map<unknown, number>();

/** Wraps the fake `setTimeout` and `clearTimeout` to know when each pending timer is due. */
const trackTimers = () => {
  dueAt.clear();
  const { setTimeout: fakeSetTimeout, clearTimeout: fakeClearTimeout } = globalThis;
  const tracked = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = fakeSetTimeout(() => {
      dueAt.delete(timer);
      callback(...args);
    }, ms);
    dueAt.set(timer, Date.now() + (ms ?? 0));
    return timer;
  };
  const trackedClear = (timer?: Parameters<typeof clearTimeout>[0]) => {
    dueAt.delete(timer);
    fakeClearTimeout(timer);
  };
  // With the fakes' own properties, which tell `vi.useRealTimers()` to put the real ones back.
  globalThis.setTimeout = Object.assign(tracked, fakeSetTimeout) as typeof setTimeout;
  globalThis.clearTimeout = Object.assign(trackedClear, fakeClearTimeout);
};

/**
 * Replaces `setTimeout`, `clearTimeout` and `Date` by a fake clock standing at `startAt`, which
 * moves only in {@link settleOnFakeClock} or when the test moves it.
 *
 * @param startAt - The fake clock's start, in epoch milliseconds.
 */
export const useFakeClock = (startAt: number): void => {
  waits.length = 0;
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: startAt });
  trackTimers();
};

/** The fake times at which the timers now pending are due, earliest first. */
export const timersDue = (): number[] => [...dueAt.values()].sort((a, b) => a - b);

/**
 * Resolves once `condition` holds, looking again after each turn of the event loop (which runs
 * for real beside the fake clock).
 */
export const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) {
    // eslint-disable-next-line no-await-in-loop -- each turn lets the process read a little more
    await new Promise((resolve) => setImmediate(resolve));
  }
};

/**
 * `node:timers/promises`'s `setTimeout` on the fake clock, as a test file installs it:
 * `vi.mock('node:timers/promises', async (original) => ({ ...(await original()), setTimeout:
 * (await import('../support/fake-clock.js')).fakeSleep }))`. Each call is a wait for nothing but
 * time, which {@link settleOnFakeClock} lets pass at once.
 */
export const fakeSleep = async <T>(ms?: number, value?: T): Promise<T | undefined> =>
  new Promise((resolve) => {
    enqueue({ kind: 'sleep', ms: ms ?? 1 });
    globalThis.setTimeout(() => {
      resolve(value);
    }, ms);
  });

/**
 * Called by a stand-in hub once a request has reached it and will get no complete answer (none
 * at all, or one too slow to finish): the client now waits only for its attempt's time limit,
 * which {@link settleOnFakeClock} lets run out at once.
 */
export const noAnswerComing = (): void => {
  enqueue({ kind: 'no-answer' });
};

const nextWait = async (): Promise<void> =>
  new Promise((resolve) => {
    if (waits.length > 0) {
      resolve();
      return;
    }
    wakeDriver = () => {
      wakeDriver = undefined;
      resolve();
    };
  });

/** When a promise settled on the fake clock, and how. */
export type SettledOnFakeClock<T> = { at: number; outcome: PromiseSettledResult<T> };

/** A promise followed from the start, so its rejection is handled at once. */
export type FollowedPromise<T> = {
  /** When and how it settled; `undefined` while it has not. */
  settled: () => SettledOnFakeClock<T> | undefined;
  /** Resolves once it has settled. */
  settling: Promise<SettledOnFakeClock<T>>;
};

/** Follows a promise: when it settles, on the fake clock, and how. */
export const follow = <T>(promise: Promise<T>): FollowedPromise<T> => {
  let settled: SettledOnFakeClock<T> | undefined;
  const settling = promise.then(
    (value) => ({ at: Date.now(), outcome: { status: 'fulfilled', value } }) as const,
    (reason: unknown) => ({ at: Date.now(), outcome: { status: 'rejected', reason } }) as const
  );
  void settling.then((result) => {
    settled = result;
  });
  return { settled: () => settled, settling };
};

/**
 * Settles a promise, moving the fake clock only while the code under test waits for nothing but
 * time: over each backoff by exactly its length, and to the end of each attempt the hub left
 * unanswered. While a request and its answer are on their way, the clock stands still, however
 * long the machine takes.
 *
 * @returns The fake clock's time when the promise settled, and its outcome.
 */
export const settleOnFakeClock = async <T>(promise: Promise<T>): Promise<SettledOnFakeClock<T>> => {
  const followed = follow(promise);
  for (;;) {
    // eslint-disable-next-line no-await-in-loop -- each turn waits for the next thing to happen
    await Promise.race([followed.settling, nextWait()]);
    const settled = followed.settled();
    if (settled) {
      wakeDriver = undefined;
      return settled;
    }
    const wait = waits.shift()!;
    if (wait.kind === 'sleep') {
      // eslint-disable-next-line no-await-in-loop
      await vi.advanceTimersByTimeAsync(wait.ms);
    } else {
      if (vi.getTimerCount() === 0) {
        throw new Error('The hub left a request unanswered and the client set no time limit to end it.');
      }
      // eslint-disable-next-line no-await-in-loop
      await vi.advanceTimersToNextTimerAsync();
    }
  }
};
