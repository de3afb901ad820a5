/**
 * The bench's processes and the IPC between them: the stand-in, the user's browser, and one
 * measured process per connector variant.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { type CertificateFiles, hubResolverPreload } from '../stand-in/index.js';
import { officialApp, ourApp, type Variant } from './variants.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const root = path.resolve(benchDir, '..');
const preloadUrl = pathToFileURL(hubResolverPreload).href;

/** A reply over IPC: the request's id plus the answer's fields. */
export type Reply = { type: string; id: number; error?: string } & Record<string, unknown>;

/** Sends `{ type, id, ...body }` to a process and resolves with its `{ type: replyType, id, ... }`. */
export type Requester = (type: string, body?: Record<string, unknown>) => Promise<Reply>;

const isReply = (message: unknown, replyType: string): message is Reply =>
  typeof message === 'object' && message !== null && (message as Reply).type === replyType;

/** A requester over a forked process's IPC channel. */
export const requester = (child: ChildProcess, replyType = 'reply'): Requester => {
  let nextId = 1;
  const pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  child.on('message', (message: unknown) => {
    if (!isReply(message, replyType)) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message);
  });
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`process exited (${code ?? signal})`));
    pending.clear();
  });
  return (type, body = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ type, id, ...body });
    });
};

const forkHfProcess = (tls: CertificateFiles, env: Record<string, string> = {}) => {
  const child = fork(path.join(benchDir, 'stand-in-process.ts'), [], {
    cwd: root,
    execArgv: ['--import', 'tsx', '--import', preloadUrl],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caFile, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return { child, request: requester(child) };
};

/** The running stand-in and the browser that signs in at it. */
export type StandInProcesses = {
  /** The loopback port the stand-in serves `https://huggingface.co` on, for the browser. */
  port: number;
  /** The stand-in's port for the connectors, which counts the connections they open (`counts`). */
  connectorPort: number;
  /** Demo users' `sub` by username. */
  subs: Record<string, string>;
  /** Sends a request to the process that handles it: sign-ins to the browser, the rest to the stand-in. */
  request: Requester;
  stop: () => Promise<void>;
};

/**
 * Starts the stand-in, then a second process for the user's side of sign-ins (the login page),
 * so that the two share the machine's cores instead of one event loop.
 */
export const startStandIn = async (tls: CertificateFiles, idleConnectionSeconds: number): Promise<StandInProcesses> => {
  const server = forkHfProcess(tls);
  const started = await server
    .request('start', {
      clients: [officialApp, ourApp],
      pkceOptionalClients: [officialApp.clientId],
      keyFile: tls.keyFile,
      certFile: tls.certFile,
      idleConnectionSeconds,
    })
    .catch((error: unknown) => {
      server.child.kill();
      throw error;
    });
  const port = started.port as number;
  const connectorPort = started.connectorPort as number;
  const browser = forkHfProcess(tls, { BENCH_HF_PORT: String(port) });
  return {
    port,
    connectorPort,
    subs: started.subs as Record<string, string>,
    request: (op, body) => (op === 'drive' ? browser : server).request(op, body),
    stop: async () => {
      await Promise.all([server, browser].map(({ request }) => request('stop').catch(() => undefined)));
      server.child.kill();
      browser.child.kill();
    },
  };
};

/** A fresh process running one variant's connector. */
export type MeasuredProcess = {
  variant: Variant;
  request: Requester;
  /** Lets the process exit normally (so that --cpu-prof writes its profile); kills it if it hangs. */
  stop: () => Promise<void>;
};

/** How to start a measured process. */
export type MeasuredProcessOptions = {
  variant: Variant;
  standIn: StandInProcesses;
  tls: CertificateFiles;
  /** The URL of the snapshot of our lib/index.js. */
  ourModuleUrl: string;
  /** Where `huggingface.co:443` leads: the stand-in's port or a proxy's. */
  hubPort: number;
  /** A directory for a V8 CPU profile of the process, if wanted. */
  profileDir?: string;
};

/** Starts a fresh measured process for one variant and loads its connector. */
export const startMeasured = async (options: MeasuredProcessOptions): Promise<MeasuredProcess> => {
  const { variant, standIn, tls, profileDir } = options;
  const child = fork(path.join(benchDir, 'connector-process.mjs'), [], {
    cwd: root,
    execArgv: [
      '--expose-gc',
      '--import',
      preloadUrl,
      ...(profileDir
        ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${variant.key}-${Date.now()}.cpuprofile`]
        : []),
    ],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caFile, BENCH_HF_PORT: String(options.hubPort) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // The measured process's requests to the stand-in's processes go through here.
  child.on('message', (message: unknown) => {
    if (!isReply(message, 'hf')) return;
    const { type: _type, op, id, ...body } = message;
    standIn.request(String(op), body).then(
      (reply) => child.connected && child.send({ ...reply, id }),
      (error: unknown) => child.connected && child.send({ type: 'reply', id, error: (error as Error).message }),
    );
  });
  const request = requester(child, 'done');
  const measured: MeasuredProcess = {
    variant,
    request: (type, body) =>
      request(type, body).catch((error: unknown) => {
        throw new Error(`${variant.label}: ${(error as Error).message}`);
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const timer = setTimeout(() => child.kill(), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (child.connected) child.send({ type: 'exit' });
        else child.kill();
      }),
  };
  try {
    await measured.request('setup', {
      connector: variant.connector,
      config: { ...variant.app, scope: variant.scope },
      expectedSub: standIn.subs.ada,
      ourModule: options.ourModuleUrl,
    });
  } catch (error) {
    await measured.stop();
    throw error;
  }
  return measured;
};
