/**
 * Runs Logto's side of an instance in Node processes of its own, as Logto does: the release's CLI
 * for `logto connector add`, and a long-lived process in `packages/core` (`instance-probe.mjs`)
 * that loads the connectors with the release's loader and calls the loaded connector.
 */
import { execFile, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { type ConnectorMetadata } from '@logto/connector-kit';

import { type LogtoRelease } from './releases.js';
import { createLogtoInstance, type LogtoInstance } from './skeleton.js';

/** This connector's factory id, as Logto lists it. */
export const ourFactoryId = 'huggingface-oidc-universal';

const quietEnvironment = () => ({ ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' });

/** Runs the instance's own `logto connector add <tarball> --path <root>` with `node` and returns what it printed. */
export const addConnectorWithCli = async (instance: LogtoInstance, tarball: string, node: string): Promise<string> => {
  const args = [path.join(instance.core, 'node_modules', '@logto', 'cli', 'bin', 'logto.js'), 'connector', 'add', tarball, '--path', instance.root];
  const { stdout, stderr } = await promisify(execFile)(node, args, {
    cwd: instance.root,
    env: quietEnvironment(),
    timeout: 120_000,
  }).catch((error: unknown) => {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`logto ${args.slice(1).join(' ')} failed:\n${stdout}\n${stderr}`, { cause: error });
  });
  return `${stdout}${stderr}`;
};

/** A package folder and version, as Node's resolution finds it from some file. */
export type ResolvedPackage = { folder: string; version: string };

/** A factory as the loader returned it, with what the connector's own imports of jose and connector-kit reach. */
export type LoadedFactory = { metadata: ConnectorMetadata; type: string; path: string; jose: ResolvedPackage; connectorKit: ResolvedPackage };

/**
 * What the probe's `load` reports: the instance's Node version, its `@logto/cli`, the connector-kit
 * the loader checks ranges against, the packages `getConnectorPackagesFromDirectory` listed, and the factories loaded.
 */
export type LoadReport = { node: string; cli: ResolvedPackage; loaderConnectorKit: ResolvedPackage; packages: Array<{ name: string; path: string }>; factories: LoadedFactory[] };

/** Thrown by {@link LoadedInstance.call} when the connector (or the loader) threw: the error as it reached the instance. */
export class InstanceCallError extends Error {
  constructor(readonly failure: { isConnectorError: boolean; name?: string; code?: string; message?: string; data?: unknown }) {
    super(`${failure.name ?? 'Error'} ${failure.code ?? ''}: ${failure.message ?? ''}`);
  }
}

type ProbeMessage = { id: number; result?: unknown; failure?: InstanceCallError['failure'] };

/** A new instance whose connectors the release's loader has loaded, in a process of its own that stays to call them. */
export type LoadedInstance = {
  instance: LogtoInstance;
  load: LoadReport;
  /** This connector's factory; throws, with what the process printed, when the loader skipped it. */
  ours: () => LoadedFactory;
  /** Runs one operation of `instance-probe.mjs` and returns its result. */
  call: (op: string, input: Record<string, unknown>) => Promise<unknown>;
  /** Everything the process printed so far (the loader's `skip … due to error` lines included). */
  output: () => string;
  close: () => Promise<void>;
};

/**
 * Creates an instance of `release`, lets `install` put connectors into it, then starts
 * `instance-probe.mjs` in its `packages/core` with `node` and has it load them.
 */
export const startLoadedInstance = async (
  release: LogtoRelease,
  node: string,
  install: (instance: LogtoInstance) => Promise<unknown>
): Promise<LoadedInstance> => {
  const instance = await createLogtoInstance(release);
  await install(instance).catch(async (error: unknown) => {
    await instance.dispose();
    throw error;
  });
  let printed = '';
  const child = fork(fileURLToPath(new URL('instance-probe.mjs', import.meta.url)), [], {
    cwd: instance.core,
    execPath: node,
    env: quietEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiting = new Map<number, (message: ProbeMessage) => void>();
  child.on('message', (message: ProbeMessage) => waiting.get(message.id)?.(message));

  /** The answer to message `id` (0: the probe is ready). */
  const answer = async (id: number) => {
    const died = exited.then(() => Promise.reject(new Error(`The instance process exited:\n${printed}`)));
    const message = await Promise.race([new Promise<ProbeMessage>((resolve) => waiting.set(id, resolve)), died]);
    waiting.delete(id);
    if (message.failure) throw new InstanceCallError(message.failure);
    return message.result;
  };
  let lastId = 0;
  const call = async (op: string, input: Record<string, unknown>) => {
    const id = ++lastId;
    const answered = answer(id);
    child.send({ id, op, ...input });
    return answered;
  };
  const close = async () => {
    child.kill();
    await exited;
    await instance.dispose();
  };

  try {
    await answer(0);
    const load = (await call('load', { connectors: instance.connectors })) as LoadReport;
    const ours = () => {
      const found = load.factories.find(({ metadata }) => metadata.id === ourFactoryId);
      if (!found) throw new Error(`Logto ${release.releases}'s loader skipped ${ourFactoryId}:\n${printed}`);
      return found;
    };
    return { instance, load, ours, call, output: () => printed, close };
  } catch (error) {
    await close();
    throw error;
  }
};
