/**
 * The machine a bench ran on, for the report.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { officialConnectorPackage } from '../scripts/logto-tools.mjs';

/** Where and when the bench ran. */
export type BenchEnvironment = {
  date: string;
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  /** The 1-minute load average when the bench started: other work on the machine skews the times. */
  startLoad: string;
};

/** Reads the environment; call at start for a meaningful load average. */
export const readEnvironment = (): BenchEnvironment => ({
  date: new Date().toISOString(),
  node: process.version,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: os.totalmem() / 2 ** 30,
  startLoad: (os.loadavg()[0] ?? 0).toFixed(2),
});

/** The installed official connector's version. */
export const officialVersion = (): string =>
  (JSON.parse(readFileSync(path.join(officialConnectorPackage, 'package.json'), 'utf8')) as { version: string }).version;
