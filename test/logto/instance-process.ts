/**
 * Runs Logto's side of an instance in its own Node process, as Logto does: the release's CLI for
 * `logto connector add`, and a long-lived process in `packages/core` (see `instance-probe.mjs`)
 * that loads the connectors with the release's loader and calls the loaded connector.
 */
import { type ChildProcess, execFile, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { type LogtoInstance } from './skeleton.js';

const execFileAsync = promisify(execFile);

const quietEnvironment = () => ({ ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' });

/**
 * Runs the instance's own `logto connector add <tarball> --path <root>` with `node` and returns
 * what it printed.
 */
export const addConnectorWithCli = async (
  instance: LogtoInstance,
  tarball: string,
  node: string
): Promise<string> => {
  const cliBin = path.join(instance.cliPackage, 'bin', 'logto.js');
  const args = [cliBin, 'connector', 'add', tarball, '--path', instance.root];
  const { stdout, stderr } = await execFileAsync(node, args, {
    cwd: instance.root,
    env: quietEnvironment(),
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((error: unknown) => {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`logto ${args.slice(1).join(' ')} failed:\n${stdout}\n${stderr}`, { cause: error });
  });
  return `${stdout}${stderr}`;
};

/** A package as the loader's `getConnectorPackagesFromDirectory` lists it. */
export type ConnectorPackage = { name: string; path: string };

/** A package folder and version, as Node's resolution finds it from some file. */
export type ResolvedPackage = { folder: string; version: string };

/** What `load` reports. */
export type LoadReport = {
  /** The Node version the instance runs on. */
  node: string;
  cli: ResolvedPackage;
  /** Core's `@logto/connector-kit`. */
  connectorKit: ResolvedPackage;
  /** The `@logto/connector-kit` the loader checks ranges against. */
  loaderConnectorKit: ResolvedPackage;
  packages: ConnectorPackage[];
  factories: Array<{
    id: string;
    path: string;
    readme: string;
    /** What the connector's own `import 'jose'` and `import '@logto/connector-kit'` reach. */
    jose: ResolvedPackage;
    connectorKit: ResolvedPackage;
  }>;
};

/** An error as it reached the instance: whether it is core's `ConnectorError`, and its fields. */
export type InstanceFailure = {
  isConnectorError: boolean;
  name?: string;
  code?: string;
  message?: string;
  data?: unknown;
};

/** Thrown by {@link InstanceProcess.call} when the connector (or the loader) threw. */
export class InstanceCallError extends Error {
  constructor(readonly failure: InstanceFailure) {
    super(`${failure.name ?? 'Error'} ${failure.code ?? ''}: ${failure.message ?? ''}`);
  }
}

/** The running instance process. */
export type InstanceProcess = {
  /** Runs one operation of `instance-probe.mjs` and returns its result. */
  call: <T>(op: string, input?: Record<string, unknown>) => Promise<T>;
  /** Everything the process printed so far (the loader's `skip … due to error` lines included). */
  output: () => string;
  /** Ends the process. */
  close: () => Promise<void>;
};

const probeFile = fileURLToPath(new URL('instance-probe.mjs', import.meta.url));

type ProbeMessage = { ready?: true; id?: number; result?: unknown; failure?: InstanceFailure };

/** Starts `instance-probe.mjs` in `instance.core` with `node` and waits until it is ready. */
export const startInstanceProcess = async (
  instance: LogtoInstance,
  node: string
): Promise<InstanceProcess> => {
  let printed = '';
  const child: ChildProcess = fork(probeFile, [], {
    cwd: instance.core,
    execPath: node,
    env: quietEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    printed += chunk.toString();
  });

  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const { reject } of pending.values()) {
        reject(new Error(`The instance process exited (${code ?? signal}):\n${printed}`));
      }
      pending.clear();
      resolve();
    });
  });

  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: ProbeMessage) => {
      if (message.ready) {
        resolve();
        return;
      }
      const waiting = pending.get(message.id ?? -1);
      pending.delete(message.id ?? -1);
      if (message.failure) {
        waiting?.reject(new InstanceCallError(message.failure));
      } else {
        waiting?.resolve(message.result);
      }
    });
    void exited.then(() => {
      reject(new Error(`The instance process exited before it was ready:\n${printed}`));
    });
  });

  return {
    call: async <T>(op: string, input: Record<string, unknown> = {}) =>
      new Promise<T>((resolve, reject) => {
        nextId += 1;
        pending.set(nextId, { resolve: resolve as (value: unknown) => void, reject });
        child.send({ id: nextId, op, ...input });
      }),
    output: () => printed,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill();
      }
      await exited;
    },
  };
};
