/**
 * `npm run bench`: this connector against the official @logto/connector-huggingface, both
 * signing in at the same Hugging Face stand-in served as https://huggingface.co.
 *
 * Sections: CPU (cpu.ts: CPU and wall time, parallel sign-ins, heap, key-set fetches, import
 * time) and latency (latency.ts: round trips over a delaying link). figures.ts turns the samples
 * into figures and targets, report.ts renders them.
 *
 * Processes: this one (orchestrator, IPC relay, delaying proxies); the stand-in and the user's
 * browser (stand-in-process.ts); one fresh measured process per connector and round
 * (connector-process.mjs); one fresh process per import-time sample (import-time.mjs).
 *
 * Writes bench-results/ (untracked): BENCHMARKS.md and latest.json for a full run, trial.md and
 * trial.json otherwise; BENCHMARKS.md in the repository only with --write-benchmarks.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

import { ensureOfficialConnector } from '../scripts/logto-tools.mjs';
import { type BenchOptions, isPublished, parseBenchArgs, usage, UsageError } from './args.js';
import { createCertificates } from '../stand-in/index.js';
import { cpuPlan, type CpuSamples, measureCpu } from './cpu.js';
import { officialVersion, readEnvironment } from './environment.js';
import { cpuFigures, latencyFigures } from './figures.js';
import { type LatencySamples, measureLatency } from './latency.js';
import { root, startStandIn } from './processes.js';
import { type CpuReport, type LatencyReport, renderMarkdown, renderText } from './report.js';

const log = (text: string) => process.stderr.write(`${text}\n`);
const resultsDir = path.join(root, 'bench-results');

/**
 * Every round measures the same build, even if lib/ is rebuilt meanwhile. The copy stays inside
 * the repository (in the untracked bench-results/) so that its imports resolve from node_modules.
 */
const snapshotBuild = (): string => {
  if (!existsSync(path.join(root, 'lib', 'index.js'))) {
    throw new Error('lib/index.js is missing: run `npm run build` first (npm run bench does).');
  }
  const snapshot = path.join(resultsDir, 'lib');
  rmSync(snapshot, { recursive: true, force: true });
  cpSync(path.join(root, 'lib'), snapshot, { recursive: true });
  return pathToFileURL(path.join(snapshot, 'index.js')).href;
};

const bench = async (options: BenchOptions) => {
  const environment = readEnvironment();
  const benchStart = performance.now();
  const ourModuleUrl = snapshotBuild();
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'hf-bench-'));
  let cpu: CpuSamples | undefined;
  let latency: LatencySamples | undefined;
  const tls = createCertificates(tempDir, 'huggingface.co');
  const standIn = await startStandIn(tls, options.hubIdleSeconds);
  try {
    log(`Stand-in: https://huggingface.co -> 127.0.0.1:${standIn.port}`);
    for (const section of options.sections) {
      if (section === 'cpu') {
        const profileDir = options.cpuProfile ? path.join(resultsDir, 'profiles') : undefined;
        // eslint-disable-next-line no-await-in-loop
        cpu = await measureCpu({
          plan: cpuPlan(options.quick, options.heapSignIns),
          rounds: options.rounds,
          standIn,
          tls,
          ourModuleUrl,
          profileDir,
          log,
        });
      } else {
        // eslint-disable-next-line no-await-in-loop
        latency = await measureLatency({
          rounds: options.latencyRounds,
          rttMs: options.rttMs,
          idleSeconds: options.idleSeconds,
          hubIdleSeconds: options.hubIdleSeconds,
          standIn,
          tls,
          ourModuleUrl,
          log,
        });
      }
    }
  } finally {
    await standIn.stop();
    rmSync(tempDir, { recursive: true, force: true });
  }

  const totalSeconds = (performance.now() - benchStart) / 1000;
  const cpuReport: CpuReport | undefined = cpu && { figures: cpuFigures(cpu), plan: cpu.plan, rounds: cpu.rounds };
  const latencyReport: LatencyReport | undefined = latency && { figures: latencyFigures(latency), samples: latency };
  process.stdout.write(`\n${renderText(cpuReport, latencyReport, totalSeconds)}\n`);

  const published = isPublished(options);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    path.join(resultsDir, published ? 'latest.json' : 'trial.json'),
    `${JSON.stringify({ environment, options, cpu, latency, figures: { cpu: cpuReport?.figures, latency: latencyReport?.figures } }, null, 2)}\n`,
  );
  if (cpuReport && latencyReport && cpu) {
    const markdown = renderMarkdown({
      cpu: cpuReport,
      latency: latencyReport,
      environment,
      officialVersion: officialVersion(),
      totalSeconds,
      importRounds: cpu.importRounds,
    });
    writeFileSync(path.join(resultsDir, published ? 'BENCHMARKS.md' : 'trial.md'), markdown);
    if (options.writeBenchmarks) {
      writeFileSync(path.join(root, 'BENCHMARKS.md'), markdown);
      log('Wrote BENCHMARKS.md');
    }
  }
  log(`Wrote ${path.relative(root, resultsDir)}/`);
};

const main = async () => {
  let options: BenchOptions | undefined;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error: unknown) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${usage}`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
  if (!options) {
    console.log(usage);
    return;
  }
  await ensureOfficialConnector(log);
  await bench(options);
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
