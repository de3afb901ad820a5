/**
 * `npm start` on a port another process holds: one line that says what to do, no stack trace.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, expect, it } from 'vitest';

import { listenOnLoopback } from '../../stand-in/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const holder = createServer();

afterAll(async () => {
  await new Promise((resolve) => holder.close(resolve));
});

it('prints "port N is in use, set PORT" and exits with 1 when the port is taken', async () => {
  const port = new URL(await listenOnLoopback(holder, { port: 0 })).port;
  const child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['playground/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: port, HF_CLIENT_ID: '', HF_CLIENT_SECRET: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

  expect(code).toBe(1);
  expect(stderr.trim()).toBe(`port ${port} is in use, set PORT`);
  expect(stdout).not.toContain('Playground:');
});
