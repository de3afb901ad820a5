/**
 * The measured process: loads one connector and, on run.ts's commands over IPC, runs batches of
 * sign-ins against the stand-in and reports their wall and CPU time, failures and settled heap,
 * or runs one sign-in and reports how long its `getUserInfo` took (the latency section). Of the
 * CPU time of a batch, it also reports the part spent while the browser process did the user's
 * part (the IPC, and whatever else ran meanwhile), which one at a time is mostly the harness's.
 * It makes the connector's calls only; the user's part of each sign-in (the login page) happens
 * in another process, reached over IPC through run.ts, so this process's CPU time is the
 * connector's (plus a small IPC cost, the same for both connectors).
 *
 * Started by run.ts with `--expose-gc --import <the stand-in's hubResolverPreload>` and
 * NODE_EXTRA_CA_CERTS.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

import { officialConnectorPackage } from '../scripts/logto-tools.mjs';
import { createLogtoSessionStore } from '../stand-in/logto/session.mjs';

const officialModule = pathToFileURL(path.join(officialConnectorPackage, 'lib', 'index.js'));

/** Logto's callback URL shape; never contacted, the sign-in driver stops at the redirect. */
const redirectUri = 'http://127.0.0.1:3001/callback/bench-connector';

let nextId = 1;
const pending = new Map();

/** Asks the stand-in or the browser process (through run.ts) to do something. */
const hf = (op, body = {}) =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    process.send({ type: 'hf', id, op, ...body });
  });


/** An error's code and message, with anything long enough to be a code or token cut out. */
const describeError = (error) => {
  const code = error && typeof error === 'object' && 'code' in error ? String(error.code) : error?.name ?? 'Error';
  const message = String(error?.message ?? error).replace(/[\w-]{20,}/g, '…').slice(0, 240);
  return `${code}: ${message}`;
};

let connector;
let expectedSub;
/** CPU time (µs) this process spent while the browser process did the user's part, since the last `run`. */
let waitingCpuMicros = 0;

/**
 * One sign-in as Logto runs it: authorization URL, the user at the login page, callback.
 * Returns how long the connector's part after the callback (`getUserInfo`) took, in ms.
 */
const signIn = async () => {
  const store = createLogtoSessionStore();
  const state = randomBytes(16).toString('base64url');
  const url = await connector.getAuthorizationUri(
    {
      state,
      redirectUri,
      connectorId: 'bench-connector',
      connectorFactoryId: connector.metadata.id,
      jti: state,
      headers: {},
    },
    store.setSession,
  );
  const waitStart = process.cpuUsage();
  const { query } = await hf('drive', { url, redirectUri, username: 'ada' });
  const waited = process.cpuUsage(waitStart);
  waitingCpuMicros += waited.user + waited.system;
  // Logto's sign-in page checks the state itself and posts the query without it.
  const { state: returnedState, ...callbackQuery } = query;
  if (returnedState !== state) throw new Error('The callback carries another state');
  const started = performance.now();
  const userInfo = await connector.getUserInfo({ redirectUri, ...callbackQuery }, store.getSession);
  const userInfoMs = performance.now() - started;
  if (userInfo.id !== expectedSub) throw new Error('The sign-in returned another user');
  return userInfoMs;
};

/** One sign-in, timed: the latency section's step. Fails the command when the sign-in fails. */
const signInOnce = async () => ({ userInfoMs: await signIn() });

/** Runs `count` sign-ins, at most `concurrency` at a time, and measures them. */
const run = async ({ count, concurrency }) => {
  let started = 0;
  let failed = 0;
  const errors = [];
  const worker = async () => {
    while (started < count) {
      started += 1;
      try {
        // eslint-disable-next-line no-await-in-loop
        await signIn();
      } catch (error) {
        failed += 1;
        if (errors.length < 3) errors.push(describeError(error));
      }
    }
  };
  waitingCpuMicros = 0;
  const cpuStart = process.cpuUsage();
  const wallStart = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const wallMs = performance.now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000, waitingCpuMs: waitingCpuMicros / 1000, failed, errors };
};

/** heapUsed after forced garbage collection. */
const settledHeap = async () => {
  for (let i = 0; i < 4; i += 1) {
    globalThis.gc();
    // Lets finalizers and weak-reference cleanups run between collections.
    // eslint-disable-next-line no-await-in-loop
    await nextTurn();
  }
  return { heapUsed: process.memoryUsage().heapUsed };
};

/** Loads a connector: the official package, or ours from `ourModule` (run.ts's snapshot of lib/). */
const setup = async ({ connector: which, config, expectedSub: sub, ourModule }) => {
  const { default: createConnector } = await import(which === 'official' ? officialModule : ourModule);
  connector = await createConnector({ getConfig: async () => ({ ...config }) });
  expectedSub = sub;
  return {};
};

const commands = { setup, run, heap: settledHeap, signInOnce };

process.on('message', (message) => {
  if (message.type === 'reply') {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message);
    return;
  }
  if (message.type === 'exit') {
    process.exit(0);
  }
  const command = commands[message.type];
  if (!command) return;
  command(message).then(
    (result) => process.send({ type: 'done', id: message.id, ...result }),
    (error) => process.send({ type: 'done', id: message.id, error: describeError(error) }),
  );
});
