/**
 * The bench's command line, parsed into typed options.
 */
import { parseArgs } from 'node:util';

/** A part of the bench that runs on its own. */
export type Section = 'cpu' | 'latency';

/** Everything `npm run bench` can be told. */
export type BenchOptions = {
  /** The sections to run, in this order. */
  sections: Section[];
  /** A smoke run with small counts; writes no published figures. */
  quick: boolean;
  /** Rounds of the CPU section (fresh processes each). */
  rounds: number;
  /** Sign-ins between the heap readings, a multiple of 1,000, with a reading per 1,000; `undefined` for the plan's. */
  heapSignIns: number | undefined;
  /** Writes V8 CPU profiles of the measured processes into bench-results/profiles. */
  cpuProfile: boolean;
  /** Rounds of the latency section. */
  latencyRounds: number;
  /** Round-trip time the delaying proxy adds, in milliseconds (half each way). */
  rttMs: number;
  /** Idle times before the after-idle sign-ins, in seconds. */
  idleSeconds: number[];
  /** How long the emulated hub keeps an idle connection, in seconds. */
  hubIdleSeconds: number;
  /** Also writes BENCHMARKS.md in the repository (otherwise only bench-results/). */
  writeBenchmarks: boolean;
};

/** A command line the bench cannot run with. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What `--help` prints. */
export const usage = `Usage: npm run bench -- [options]

  --only cpu|latency     run one section (default: both)
  --quick                a smoke run with small counts (writes bench-results/trial.*)
  --rounds N             CPU section rounds (default 5, 1 with --quick)
  --heap N               N sign-ins (a multiple of 1000) between heap readings, one reading per 1000
  --cpu-prof             V8 CPU profiles of the measured processes into bench-results/profiles
  --latency-rounds N     latency section rounds (default 3, 1 with --quick)
  --rtt MS               round-trip time of the delaying link (default 40)
  --idle S[,S...]        idle seconds before the after-idle sign-ins (default 6,60; 6 with --quick)
  --hub-idle S           how long the emulated hub keeps idle connections (default 75)
  --write-benchmarks     also write BENCHMARKS.md (a full run only; otherwise bench-results/ only)
  --help                 this text`;

const wholeNumber = (name: string, text: string | undefined, fallback: number, min: number): number => {
  if (text === undefined) {
    return fallback;
  }
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} takes a whole number of at least ${min}, not "${text}"`);
  }
  return value;
};

/**
 * Parses the bench's arguments.
 *
 * @returns The options, or `undefined` when `--help` was asked for.
 * @throws {UsageError} For an unknown option or a bad value.
 */
export const parseBenchArgs = (args: string[]): BenchOptions | undefined => {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        rounds: { type: 'string' },
        heap: { type: 'string' },
        'cpu-prof': { type: 'boolean', default: false },
        'latency-rounds': { type: 'string' },
        rtt: { type: 'string' },
        idle: { type: 'string' },
        'hub-idle': { type: 'string' },
        'write-benchmarks': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    return undefined;
  }
  const { only, quick } = values;
  if (only !== undefined && only !== 'cpu' && only !== 'latency') {
    throw new UsageError(`--only takes cpu or latency, not "${only}"`);
  }
  const heapSignIns = values.heap === undefined ? undefined : wholeNumber('heap', values.heap, 0, 1000);
  if (heapSignIns !== undefined && heapSignIns % 1000 !== 0) {
    throw new UsageError('--heap takes a number of sign-ins in thousands, e.g. --heap 12000');
  }
  const idleSeconds = (values.idle ?? (quick ? '6' : '6,60'))
    .split(',')
    .map((text) => wholeNumber('idle', text.trim(), 0, 1));
  const hubIdleSeconds = wholeNumber('hub-idle', values['hub-idle'], 75, 1);
  if (Math.max(...idleSeconds) >= hubIdleSeconds) {
    throw new UsageError('--idle must stay below --hub-idle: the hub would close every connection first');
  }
  const options: BenchOptions = {
    sections: only === undefined ? ['cpu', 'latency'] : [only],
    quick,
    rounds: wholeNumber('rounds', values.rounds, quick ? 1 : 5, 1),
    heapSignIns,
    cpuProfile: values['cpu-prof'],
    latencyRounds: wholeNumber('latency-rounds', values['latency-rounds'], quick ? 1 : 3, 1),
    rttMs: wholeNumber('rtt', values.rtt, 40, 2),
    idleSeconds,
    hubIdleSeconds,
    writeBenchmarks: values['write-benchmarks'],
  };
  if (options.writeBenchmarks && !isPublished(options)) {
    throw new UsageError('--write-benchmarks needs a full run: both sections and the default plan (not --quick or --heap)');
  }
  return options;
};

/** True for a run whose figures may be published: both sections, the plan as documented (the report states the rounds). */
export const isPublished = (options: BenchOptions): boolean =>
  !options.quick && options.heapSignIns === undefined && options.sections.length === 2;
