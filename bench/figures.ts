/**
 * From measured samples to the figures and targets the report shows. Pure computation: nothing
 * here measures or formats.
 */
import { type CpuSamples } from './cpu.js';
import { type LatencySample, type LatencySamples, type ProcessSamples } from './latency.js';
import { perVariant, type PerVariant, type VariantKey, variants } from './variants.js';

/** The median of a non-empty list. */
export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const mean = (values: number[]): number => values.reduce((total, value) => total + value, 0) / values.length;

/** A goal, what was measured and whether it was met. */
export type Target = { name: string; goal: string; measured: string; met: boolean };

/** One variant's CPU-section figures (medians over rounds unless said otherwise). */
export type CpuVariantFigures = {
  wallPerSignInMs: number;
  cpuPerSignInMs: number;
  waitingCpuPerSignInMs: number;
  /** Median over every parallel run of every round. */
  parallelWallMs: number;
  parallelErrorsTotal: number;
  otherErrorsTotal: number;
  importMs: number;
  heapGrowthMiB: number;
  heapLaterGrowthMiB: number;
  jwksInFirst: number;
  jwksFirstSignIns: number;
  jwksTotalMin: number;
  jwksTotalMax: number;
  signIns: number;
  /** New TLS connections per sign-in one at a time, over all rounds. */
  connectionsBackToBack: number;
  /** … a few at a time (the heap phase), over all rounds. */
  connectionsFewAtOnce: number;
  /** … in the bursts of many at once, over all rounds. */
  connectionsBurst: number;
};

/** The CPU section's figures. */
export type CpuFigures = {
  variants: PerVariant<CpuVariantFigures>;
  /** ours/official (`profile`) and ours (`openid profile`)/official (`profile`). */
  ratios: {
    cpu: number;
    wall: number;
    parallelWall: number;
    import: number;
    openidCpu: number;
    openidWall: number;
    openidParallelWall: number;
  };
  errorsTotal: number;
  targets: Target[];
};

/** Computes the CPU section's figures and checks its targets. */
export const cpuFigures = (cpu: CpuSamples): CpuFigures => {
  const figures = perVariant(({ key }): CpuVariantFigures => {
    const results = cpu.samples[key];
    const pick = (read: (result: (typeof results)[number]) => number) => results.map(read);
    const jwksTotals = pick((result) => result.jwksTotal);
    /** Every round has as many sign-ins in each phase: the mean over rounds is the rate over all of them. */
    const connections = (phase: keyof (typeof results)[number]['connectionsPerSignIn']) =>
      mean(pick((result) => result.connectionsPerSignIn[phase]));
    return {
      wallPerSignInMs: median(pick((result) => result.wallPerSignInMs)),
      cpuPerSignInMs: median(pick((result) => result.cpuPerSignInMs)),
      waitingCpuPerSignInMs: median(pick((result) => result.waitingCpuPerSignInMs)),
      parallelWallMs: median(results.flatMap((result) => result.parallelWallMs)),
      parallelErrorsTotal: pick((result) => result.parallelErrors).reduce((a, b) => a + b, 0),
      otherErrorsTotal: pick((result) => result.otherErrors).reduce((a, b) => a + b, 0),
      importMs: median(key === 'official' ? cpu.importMs.official : cpu.importMs.ours),
      heapGrowthMiB: median(pick((result) => result.heapGrowthMiB)),
      heapLaterGrowthMiB: median(pick((result) => result.heapLaterGrowthMiB)),
      jwksInFirst: median(pick((result) => result.jwksInFirst)),
      jwksFirstSignIns: results[0]?.jwksFirstSignIns ?? 0,
      jwksTotalMin: Math.min(...jwksTotals),
      jwksTotalMax: Math.max(...jwksTotals),
      signIns: results[0]?.signIns ?? 0,
      connectionsBackToBack: connections('backToBack'),
      connectionsFewAtOnce: connections('fewAtOnce'),
      connectionsBurst: connections('burst'),
    };
  });
  const { official, ours, oursOpenid } = figures;
  const ratios = {
    cpu: ours.cpuPerSignInMs / official.cpuPerSignInMs,
    wall: ours.wallPerSignInMs / official.wallPerSignInMs,
    parallelWall: ours.parallelWallMs / official.parallelWallMs,
    import: ours.importMs / official.importMs,
    openidCpu: oursOpenid.cpuPerSignInMs / official.cpuPerSignInMs,
    openidWall: oursOpenid.wallPerSignInMs / official.wallPerSignInMs,
    openidParallelWall: oursOpenid.parallelWallMs / official.parallelWallMs,
  };
  const heapWorst = Math.max(ours.heapGrowthMiB, oursOpenid.heapGrowthMiB);
  const { plan } = cpu;
  const targets: Target[] = [
    { name: 'CPU per sign-in, ours/official (`profile`)', goal: '≤ 0.80', measured: ratios.cpu.toFixed(2), met: ratios.cpu <= 0.8 },
    connectionTarget('one at a time', 'connectionsBackToBack', figures),
    connectionTarget(`${plan.parallel} at once`, 'connectionsBurst', figures),
    {
      name: `${plan.parallel} parallel sign-ins wall time, ours/official (\`profile\`), no errors`,
      goal: '≤ 1.00',
      measured: `${ratios.parallelWall.toFixed(2)}; errors ${ours.parallelErrorsTotal} vs ${official.parallelErrorsTotal}`,
      met: ratios.parallelWall <= 1 && ours.parallelErrorsTotal === 0,
    },
    {
      name: 'CPU per sign-in, ours `openid profile` / official `profile`',
      goal: '≤ 1.30',
      measured: ratios.openidCpu.toFixed(2),
      met: ratios.openidCpu <= 1.3,
    },
    {
      name: `Heap growth over ${plan.heap.toLocaleString('en')} sign-ins, ours (worse of both scopes)`,
      goal: '< 2 MiB',
      measured: `${heapWorst.toFixed(2)} MiB`,
      met: heapWorst < 2,
    },
    {
      name: 'JWKS fetches per process, ours `openid profile`',
      goal: '1',
      measured:
        oursOpenid.jwksTotalMin === oursOpenid.jwksTotalMax
          ? String(oursOpenid.jwksTotalMax)
          : `${oursOpenid.jwksTotalMin}–${oursOpenid.jwksTotalMax}`,
      met: oursOpenid.jwksTotalMin === 1 && oursOpenid.jwksTotalMax === 1,
    },
  ];
  const errorsTotal = variants.reduce(
    (total, { key }) => total + figures[key].parallelErrorsTotal + figures[key].otherErrorsTotal,
    0,
  );
  return { variants: figures, ratios, errorsTotal, targets };
};

/**
 * New connections per sign-in: ours, with either scope, opens no more than the official
 * connector (compared as the report shows them, to 0.01).
 */
const connectionTarget = (
  phase: string,
  field: 'connectionsBackToBack' | 'connectionsBurst',
  figures: PerVariant<CpuVariantFigures>,
): Target => {
  const [official, ours, oursOpenid] = [figures.official, figures.ours, figures.oursOpenid].map((figure) =>
    Math.round(figure[field] * 100) / 100,
  ) as [number, number, number];
  return {
    name: `New TLS connections per sign-in, ${phase}: ours (\`profile\` / \`openid profile\`) vs official`,
    goal: '≤ official',
    measured: `${ours.toFixed(2)} / ${oursOpenid.toFixed(2)} vs ${official.toFixed(2)}`,
    met: ours <= official && oursOpenid <= official,
  };
};

/** The round trips the link cost one variant in one state. */
export type StateFigure = {
  /** Median link time per sign-in, in round trips. */
  roundTrips: number;
  /** Median wall time of `getUserInfo`, in milliseconds. */
  wallMs: number;
  /** Median connections opened per sign-in. */
  connections: number;
  samples: number;
};

/** One state of the connection pool, with its floor. */
export type LatencyState = {
  label: string;
  /** The fewest round trips the state allows. */
  floor: number;
  variants: PerVariant<StateFigure>;
};

/** The latency section's figures. */
export type LatencyFigures = {
  rttMs: number;
  states: LatencyState[];
  targets: Target[];
  /** How far above the floor still counts as at the floor, in round trips. */
  tolerance: number;
};

/** How far above the floor still counts as at the floor, in round trips (issue 13). */
export const floorTolerance = 0.3;

/** Rounds a round-trip figure to the precision the table shows, for comparisons between connectors. */
const shown = (roundTrips: number) => Math.round(roundTrips * 10) / 10;

/** Computes the latency section's figures and checks its targets. */
export const latencyFigures = (latency: LatencySamples): LatencyFigures => {
  const pooled = (key: VariantKey, pick: (samples: ProcessSamples) => LatencySample[]) =>
    latency.rounds.flatMap((round) => pick(round[key]));
  const state = (label: string, floor: number, pick: (samples: ProcessSamples) => LatencySample[]): LatencyState => ({
    label,
    floor,
    variants: perVariant(({ key }): StateFigure => {
      const samples = pooled(key, pick);
      return {
        roundTrips: median(samples.map((sample) => sample.roundTrips)),
        wallMs: median(samples.map((sample) => sample.userInfoMs)),
        connections: median(samples.map((sample) => sample.connections)),
        samples: samples.length,
      };
    }),
  });
  const states: LatencyState[] = [
    // TLS handshake, token exchange, userinfo (the key set beside it).
    state('first sign-in of the process', 3, (samples) => [samples.first]),
    // Token exchange, userinfo.
    state('warm (right after another sign-in)', 2, (samples) => samples.warm),
    ...latency.idleSeconds.map((seconds) =>
      state(`after ${seconds} s idle`, 2, (samples) => [samples.afterIdle[String(seconds)] as LatencySample]),
    ),
  ];
  const targets = states.flatMap(({ label, floor, variants: figures }): Target[] => {
    const { official, ours, oursOpenid } = figures;
    const worst = Math.max(ours.roundTrips, oursOpenid.roundTrips);
    return [
      {
        name: `${label}: ours at the floor (\`profile\` / \`openid profile\`)`,
        goal: `≤ ${(floor + floorTolerance).toFixed(1)} round trips`,
        measured: `${ours.roundTrips.toFixed(2)} / ${oursOpenid.roundTrips.toFixed(2)}`,
        met: worst <= floor + floorTolerance,
      },
      {
        name: `${label}: ours at or below official (\`profile\` / \`openid profile\` vs official)`,
        goal: '≤ official (at 0.1 round trip)',
        measured: `${ours.roundTrips.toFixed(2)} / ${oursOpenid.roundTrips.toFixed(2)} vs ${official.roundTrips.toFixed(2)}`,
        met: shown(ours.roundTrips) <= shown(official.roundTrips) && shown(oursOpenid.roundTrips) <= shown(official.roundTrips),
      },
    ];
  });
  return { rttMs: latency.rttMs, states, targets, tolerance: floorTolerance };
};
