/**
 * The CPU section: CPU and wall time per sign-in, sign-ins in parallel, heap growth, key-set
 * fetches and import time, for each variant over the stand-in on loopback (no added latency).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

import { type CertificateFiles } from '../stand-in/index.js';
import { type MeasuredProcess, root, type StandInProcesses, startMeasured } from './processes.js';
import { type PerVariant, variants } from './variants.js';

/** Sign-ins per measured process, in this order. */
export type CpuPlan = {
  warmup: number;
  sequential: number;
  sequentialChunks: number;
  parallel: number;
  parallelRepeats: number;
  heap: number;
  heapChunks: number;
  heapConcurrency: number;
};

/** The published plan, or the smoke plan of `--quick`; `heapSignIns` overrides the heap phase. */
export const cpuPlan = (quick: boolean, heapSignIns: number | undefined): CpuPlan => {
  const plan: CpuPlan = quick
    ? { warmup: 5, sequential: 20, sequentialChunks: 2, parallel: 50, parallelRepeats: 2, heap: 200, heapChunks: 2, heapConcurrency: 10 }
    : { warmup: 20, sequential: 80, sequentialChunks: 4, parallel: 200, parallelRepeats: 2, heap: 3000, heapChunks: 3, heapConcurrency: 10 };
  return heapSignIns === undefined ? plan : { ...plan, heap: heapSignIns, heapChunks: heapSignIns / 1000 };
};

/** One variant's figures from one round (one fresh process). */
export type CpuRoundResult = {
  wallPerSignInMs: number;
  cpuPerSignInMs: number;
  /** … of which while the browser process did the user's part (IPC and whatever ran meanwhile). */
  waitingCpuPerSignInMs: number;
  parallelWallMs: number[];
  parallelErrors: number;
  otherErrors: number;
  heapBeforeMiB: number;
  heapGrowthMiB: number;
  heapLaterGrowthMiB: number;
  heapReadingsMiB: number[];
  heapWallMs: number;
  jwksFirstSignIns: number;
  jwksInFirst: number;
  jwksTotal: number;
  signIns: number;
  errorSamples: string[];
  /** New TLS connections per sign-in, counted at the stand-in, in each phase. */
  connectionsPerSignIn: ConnectionsPerSignIn;
};

/** New TLS connections per sign-in in each phase of a round. */
export type ConnectionsPerSignIn = {
  /** The timed sign-ins one at a time (after the warm-up). */
  backToBack: number;
  /** The heap phase's sign-ins, {@link CpuPlan.heapConcurrency} at a time. */
  fewAtOnce: number;
  /** The bursts of {@link CpuPlan.parallel} sign-ins started at once, over all of them. */
  burst: number;
};

/** Everything the CPU section measured. */
export type CpuSamples = {
  plan: CpuPlan;
  rounds: number;
  importRounds: number;
  importMs: { official: number[]; ours: number[] };
  samples: PerVariant<CpuRoundResult[]>;
};

/** What the section needs. */
export type CpuRun = {
  plan: CpuPlan;
  rounds: number;
  standIn: StandInProcesses;
  tls: CertificateFiles;
  ourModuleUrl: string;
  profileDir: string | undefined;
  log: (text: string) => void;
};

/** Import time of one connector in a fresh process (bench/import-time.mjs), in milliseconds. */
const measureImportTime = (which: 'official' | 'ours', ourModuleUrl: string): number => {
  const output = execFileSync(process.execPath, [path.join(root, 'bench', 'import-time.mjs'), which, ourModuleUrl], {
    cwd: root,
    encoding: 'utf8',
  });
  return (JSON.parse(output) as { importMs: number }).importMs;
};

type Running = {
  sequentialWallMs: number;
  sequentialCpuMs: number;
  sequentialWaitingCpuMs: number;
  parallelWallMs: number[];
  parallelErrors: number;
  otherErrors: number;
  jwks: number;
  signIns: number;
  errorSamples: string[];
  jwksFirstSignIns: number;
  jwksInFirst: number;
  heapBefore: number;
  heapReadings: number[];
  heapWallMs: number;
  /** New connections in the back-to-back, heap and burst phases. */
  connections: { backToBack: number; fewAtOnce: number; burst: number };
};

type RunOutcome = { wallMs: number; cpuMs: number; waitingCpuMs: number; failed: number; errors: string[] };

/**
 * One round: a fresh process per variant, all alive at once, driven one at a time in small
 * interleaved steps (the order rotating), so that a burst of load on the machine hits every
 * variant alike. JWKS requests at the stand-in are attributed to the one process running.
 */
const measureRound = async (run: CpuRun, round: number): Promise<PerVariant<CpuRoundResult>> => {
  const { plan, standIn } = run;
  const processes: MeasuredProcess[] = [];
  try {
    for (const variant of variants) {
      processes.push(
        // eslint-disable-next-line no-await-in-loop -- one start-up at a time: processes starting together compete for the CPU
        await startMeasured({
          variant,
          standIn,
          tls: run.tls,
          ourModuleUrl: run.ourModuleUrl,
          hubPort: standIn.connectorPort,
          ...(run.profileDir === undefined ? {} : { profileDir: run.profileDir }),
        }),
      );
    }
    const results = new Map<MeasuredProcess, Running>(
      processes.map((measured) => [
        measured,
        {
          sequentialWallMs: 0,
          sequentialCpuMs: 0,
          sequentialWaitingCpuMs: 0,
          parallelWallMs: [],
          parallelErrors: 0,
          otherErrors: 0,
          jwks: 0,
          signIns: 0,
          errorSamples: [],
          jwksFirstSignIns: 0,
          jwksInFirst: 0,
          heapBefore: 0,
          heapReadings: [],
          heapWallMs: 0,
          connections: { backToBack: 0, fewAtOnce: 0, burst: 0 },
        },
      ]),
    );
    const resultOf = (measured: MeasuredProcess) => results.get(measured) as Running;
    /** The stand-in's key set requests and the connections the connectors opened to it, so far. */
    const standInCounts = async () => {
      const reply = await standIn.request('counts');
      return {
        jwks: (reply.counts as Record<string, number>)['/oauth/jwks'] ?? 0,
        connections: reply.connections as number,
      };
    };
    /** A step's outcome, with the connections the process opened meanwhile (only it runs). */
    const step = async (
      measured: MeasuredProcess,
      count: number,
      concurrency: number,
    ): Promise<RunOutcome & { connections: number }> => {
      const before = await standInCounts();
      const outcome = (await measured.request('run', { count, concurrency })) as unknown as RunOutcome;
      const after = await standInCounts();
      const result = resultOf(measured);
      result.jwks += after.jwks - before.jwks;
      result.signIns += count;
      for (const sample of outcome.errors) {
        if (result.errorSamples.length < 5) result.errorSamples.push(sample);
      }
      return { ...outcome, connections: after.connections - before.connections };
    };
    let turn = round;
    /** The processes in this turn's order: each step rotates who goes first. */
    const inTurn = () => {
      turn += 1;
      return processes.map((_, index) => processes[(index + turn) % processes.length] as MeasuredProcess);
    };

    for (const measured of inTurn()) {
      // eslint-disable-next-line no-await-in-loop
      resultOf(measured).otherErrors += (await step(measured, plan.warmup, 1)).failed;
    }
    for (let chunk = 0; chunk < plan.sequentialChunks; chunk += 1) {
      for (const measured of inTurn()) {
        // eslint-disable-next-line no-await-in-loop
        const outcome = await step(measured, plan.sequential / plan.sequentialChunks, 1);
        const result = resultOf(measured);
        result.sequentialWallMs += outcome.wallMs;
        result.sequentialCpuMs += outcome.cpuMs;
        result.sequentialWaitingCpuMs += outcome.waitingCpuMs;
        result.otherErrors += outcome.failed;
        result.connections.backToBack += outcome.connections;
      }
    }
    for (const result of results.values()) {
      result.jwksFirstSignIns = result.signIns;
      result.jwksInFirst = result.jwks;
    }
    for (const measured of processes) {
      // eslint-disable-next-line no-await-in-loop
      resultOf(measured).heapBefore = (await measured.request('heap')).heapUsed as number;
    }
    for (let chunk = 0; chunk < plan.heapChunks; chunk += 1) {
      for (const measured of inTurn()) {
        // eslint-disable-next-line no-await-in-loop
        const outcome = await step(measured, plan.heap / plan.heapChunks, plan.heapConcurrency);
        const result = resultOf(measured);
        result.heapWallMs += outcome.wallMs;
        result.otherErrors += outcome.failed;
        result.connections.fewAtOnce += outcome.connections;
        // eslint-disable-next-line no-await-in-loop
        result.heapReadings.push((await measured.request('heap')).heapUsed as number);
      }
    }
    // Last, so that the sockets 200 sign-ins open and then drop never distort the heap figure.
    for (let repeat = 0; repeat < plan.parallelRepeats; repeat += 1) {
      for (const measured of inTurn()) {
        // eslint-disable-next-line no-await-in-loop
        const outcome = await step(measured, plan.parallel, plan.parallel);
        const result = resultOf(measured);
        result.parallelWallMs.push(outcome.wallMs);
        result.parallelErrors += outcome.failed;
        result.connections.burst += outcome.connections;
      }
    }

    const mib = (bytes: number) => bytes / 2 ** 20;
    const entries = processes.map((measured): [string, CpuRoundResult] => {
      const result = resultOf(measured);
      const heapAfter = result.heapReadings.at(-1) ?? result.heapBefore;
      return [
        measured.variant.key,
        {
          wallPerSignInMs: result.sequentialWallMs / plan.sequential,
          cpuPerSignInMs: result.sequentialCpuMs / plan.sequential,
          waitingCpuPerSignInMs: result.sequentialWaitingCpuMs / plan.sequential,
          parallelWallMs: result.parallelWallMs,
          parallelErrors: result.parallelErrors,
          otherErrors: result.otherErrors,
          heapBeforeMiB: mib(result.heapBefore),
          heapGrowthMiB: mib(heapAfter - result.heapBefore),
          heapLaterGrowthMiB: mib(heapAfter - (result.heapReadings[0] ?? result.heapBefore)),
          heapReadingsMiB: [result.heapBefore, ...result.heapReadings].map(mib),
          heapWallMs: result.heapWallMs,
          jwksFirstSignIns: result.jwksFirstSignIns,
          jwksInFirst: result.jwksInFirst,
          jwksTotal: result.jwks,
          signIns: result.signIns,
          errorSamples: result.errorSamples,
          connectionsPerSignIn: {
            backToBack: result.connections.backToBack / plan.sequential,
            fewAtOnce: result.connections.fewAtOnce / plan.heap,
            burst: result.connections.burst / (plan.parallel * plan.parallelRepeats),
          },
        },
      ];
    });
    return Object.fromEntries(entries) as PerVariant<CpuRoundResult>;
  } finally {
    await Promise.all(processes.map((measured) => measured.stop()));
  }
};

/** Runs the CPU section. */
export const measureCpu = async (run: CpuRun): Promise<CpuSamples> => {
  const importRounds = Math.max(run.rounds, 7);
  const importMs = { official: [] as number[], ours: [] as number[] };
  for (let round = 0; round < importRounds; round += 1) {
    importMs.official.push(measureImportTime('official', run.ourModuleUrl));
    importMs.ours.push(measureImportTime('ours', run.ourModuleUrl));
  }
  run.log(`Import time: ${importRounds} rounds done`);

  const samples = { official: [], ours: [], oursOpenid: [] } as PerVariant<CpuRoundResult[]>;
  for (let round = 0; round < run.rounds; round += 1) {
    const started = Date.now();
    // eslint-disable-next-line no-await-in-loop
    const results = await measureRound(run, round);
    for (const variant of variants) {
      const result = results[variant.key];
      samples[variant.key].push(result);
      const connections = result.connectionsPerSignIn;
      run.log(
        `Round ${round + 1}/${run.rounds} ${variant.label}: ${result.cpuPerSignInMs.toFixed(2)} ms CPU/sign-in, ` +
          `${run.plan.parallel} in parallel ${result.parallelWallMs.map((ms) => ms.toFixed(0)).join(' / ')} ms, ` +
          `new connections/sign-in ${connections.backToBack.toFixed(2)} back to back, ` +
          `${connections.fewAtOnce.toFixed(2)} ${run.plan.heapConcurrency} at once, ${connections.burst.toFixed(2)} ${run.plan.parallel} at once`,
      );
      for (const sample of result.errorSamples) run.log(`  error: ${sample}`);
    }
    run.log(`Round ${round + 1}/${run.rounds}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return { plan: run.plan, rounds: run.rounds, importRounds, importMs, samples };
};
