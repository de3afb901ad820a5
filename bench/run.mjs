#!/usr/bin/env node
/**
 * `npm run bench`: this connector against the official @logto/connector-huggingface, both
 * signing in at the same Hugging Face stand-in served as https://huggingface.co.
 *
 * Processes: this one (orchestrator and IPC relay); the stand-in (stand-in-process.ts); the
 * user's side of each sign-in (stand-in-process.ts again, as a browser would be); one fresh
 * measured process per connector and round (connector-process.mjs); one fresh process per
 * import-time sample (import-time.mjs).
 * Prints a table and writes BENCHMARKS.md, plus the raw figures to bench-results/latest.json.
 *
 * Options: --rounds N (default 5, at least 5 for the published figures), --quick (a smoke run
 * with small counts), --heap N (N sign-ins, a multiple of 1,000, between the heap readings, with
 * a reading per 1,000: to tell a leak from one-off growth), --cpu-prof (V8 CPU profiles of the
 * measured processes into bench-results/profiles, for `node bench/profile-summary.mjs`).
 * --quick and --heap write bench-results/trial.json but no BENCHMARKS.md.
 */
import { execFileSync, fork } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { createCertificates } from './certs.mjs';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(benchDir, '..');
const preloadUrl = pathToFileURL(path.join(benchDir, 'preload.mjs')).href;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const roundsIndex = args.indexOf('--rounds');
const rounds = roundsIndex === -1 ? (quick ? 1 : 5) : Number(args[roundsIndex + 1]);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error('--rounds takes a whole number of rounds, e.g. --rounds 5');
  process.exit(2);
}

/** Sign-ins per measured process, in this order. */
const plan = quick
  ? { warmup: 5, sequential: 20, sequentialChunks: 2, parallel: 50, parallelRepeats: 2, heap: 200, heapChunks: 2, heapConcurrency: 10 }
  : { warmup: 20, sequential: 80, sequentialChunks: 4, parallel: 200, parallelRepeats: 2, heap: 3000, heapChunks: 3, heapConcurrency: 10 };
const heapIndex = args.indexOf('--heap');
if (heapIndex !== -1) {
  const heap = Number(args[heapIndex + 1]);
  if (!Number.isInteger(heap) || heap < 1000 || heap % 1000) {
    console.error('--heap takes a number of sign-ins in thousands, e.g. --heap 12000');
    process.exit(2);
  }
  Object.assign(plan, { heap, heapChunks: heap / 1000 });
}
/** Anything but the published plan writes no BENCHMARKS.md. */
const published = !quick && heapIndex === -1;
const importRounds = Math.max(rounds, 7);
/** The build under test: a snapshot of lib/ taken at start. */
let ourModuleUrl;
const profileDir = args.includes('--cpu-prof') ? path.join(root, 'bench-results', 'profiles') : undefined;

/** Placeholder credentials of the stand-in's two apps; nothing real. */
const officialApp = { clientId: 'bench-official-app', clientSecret: 'bench-official-secret' };
const ourApp = { clientId: 'bench-our-app', clientSecret: 'bench-our-secret' };

const variants = [
  { key: 'official', label: 'official, profile', connector: 'official', app: officialApp, scope: 'profile' },
  { key: 'ours', label: 'ours, profile', connector: 'ours', app: ourApp, scope: 'profile' },
  { key: 'oursOpenid', label: 'ours, openid profile', connector: 'ours', app: ourApp, scope: 'openid profile' },
];

const log = (text) => process.stderr.write(`${text}\n`);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Sends `{ type, id, ... }` requests to a forked process, which answers `{ type: replyType, id, ... }`. */
const requester = (child, replyType = 'reply') => {
  let nextId = 1;
  const pending = new Map();
  child.on('message', (message) => {
    if (message?.type !== replyType) return;
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

/** Forks stand-in-process.ts, which serves the stand-in or drives sign-ins as the user. */
const forkHfProcess = (tls, env = {}) => {
  const child = fork(path.join(benchDir, 'stand-in-process.ts'), [], {
    cwd: root,
    execArgv: ['--import', 'tsx', '--import', preloadUrl],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caFile, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return { child, request: requester(child) };
};

/**
 * Starts the stand-in, then a second process for the user's side of sign-ins (the login page),
 * so that the two share the machine's cores instead of one event loop.
 */
const startStandIn = async (tls) => {
  const server = forkHfProcess(tls);
  const started = await server
    .request('start', {
      clients: [officialApp, ourApp],
      pkceOptionalClients: [officialApp.clientId],
      keyFile: tls.keyFile,
      certFile: tls.certFile,
      // Port 443 on 127.0.0.1, or on another loopback address when something holds that one.
      addresses: Array.from({ length: 8 }, (_, index) => `127.0.0.${index + 1}`),
    })
    .catch((error) => {
      server.child.kill();
      throw error;
    });
  const browser = forkHfProcess(tls, { BENCH_HF_ADDRESS: started.address });
  return {
    address: started.address,
    subs: started.subs,
    /** Sends a request to the process that handles it: sign-ins to the browser, the rest to the stand-in. */
    request: (op, body) => (op === 'drive' ? browser : server).request(op, body),
    stop: async () => {
      await Promise.all([server, browser].map(({ request }) => request('stop').catch(() => {})));
      server.child.kill();
      browser.child.kill();
    },
  };
};

const measureImportTime = (which) => {
  const output = execFileSync(process.execPath, [path.join(benchDir, 'import-time.mjs'), which, ourModuleUrl], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(output).importMs;
};

/** Starts a fresh measured process for one variant and loads its connector. */
const startMeasured = async (variant, standIn, tls) => {
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
    env: { ...process.env, NODE_EXTRA_CA_CERTS: tls.caFile, BENCH_HF_ADDRESS: standIn.address },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // The measured process's requests to the stand-in's process go through here.
  child.on('message', (message) => {
    if (message?.type !== 'hf') return;
    const { type: _type, op, id, ...body } = message;
    standIn.request(op, body).then(
      (reply) => child.connected && child.send({ ...reply, id }),
      (error) => child.connected && child.send({ type: 'reply', id, error: error.message }),
    );
  });
  const request = requester(child, 'done');
  const measured = {
    variant,
    request: (type, body) =>
      request(type, body).catch((error) => {
        throw new Error(`${variant.label}: ${error.message}`);
      }),
    /** Lets the process exit normally (so that --cpu-prof writes its profile); kills it if it hangs. */
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
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
      ourModule: ourModuleUrl,
    });
  } catch (error) {
    await measured.stop();
    throw error;
  }
  return measured;
};

/**
 * One round: a fresh process per variant, all alive at once, driven one at a time in small
 * interleaved steps (the order rotating), so that a burst of load on the machine hits every
 * variant alike. JWKS requests at the stand-in are attributed to the one process running.
 */
const measureRound = async (round, standIn, tls) => {
  const processes = [];
  try {
    for (const variant of variants) {
      // eslint-disable-next-line no-await-in-loop
      processes.push(await startMeasured(variant, standIn, tls));
    }
    const results = new Map(
      processes.map((measured) => [
        measured,
        { sequentialWallMs: 0, sequentialCpuMs: 0, parallelWallMs: [], parallelErrors: 0, otherErrors: 0, jwks: 0, signIns: 0, errorSamples: [] },
      ]),
    );
    const jwksCount = async () => (await standIn.request('counts')).counts['/oauth/jwks'] ?? 0;
    const step = async (measured, count, concurrency) => {
      const jwksBefore = await jwksCount();
      const outcome = await measured.request('run', { count, concurrency });
      const result = results.get(measured);
      result.jwks += (await jwksCount()) - jwksBefore;
      result.signIns += count;
      for (const sample of outcome.errors) {
        if (result.errorSamples.length < 5) result.errorSamples.push(sample);
      }
      return outcome;
    };
    let turn = round;
    /** The processes in this turn's order: each step rotates who goes first. */
    const inTurn = () => {
      turn += 1;
      return processes.map((_, index) => processes[(index + turn) % processes.length]);
    };

    for (const measured of inTurn()) {
      // eslint-disable-next-line no-await-in-loop
      results.get(measured).otherErrors += (await step(measured, plan.warmup, 1)).failed;
    }
    for (let chunk = 0; chunk < plan.sequentialChunks; chunk += 1) {
      for (const measured of inTurn()) {
        // eslint-disable-next-line no-await-in-loop
        const outcome = await step(measured, plan.sequential / plan.sequentialChunks, 1);
        const result = results.get(measured);
        result.sequentialWallMs += outcome.wallMs;
        result.sequentialCpuMs += outcome.cpuMs;
        result.otherErrors += outcome.failed;
      }
    }
    for (const result of results.values()) {
      result.jwksFirstSignIns = result.signIns;
      result.jwksInFirst = result.jwks;
    }
    for (const measured of processes) {
      // eslint-disable-next-line no-await-in-loop
      results.get(measured).heapBefore = (await measured.request('heap')).heapUsed;
    }
    for (let chunk = 0; chunk < plan.heapChunks; chunk += 1) {
      for (const measured of inTurn()) {
        // eslint-disable-next-line no-await-in-loop
        const outcome = await step(measured, plan.heap / plan.heapChunks, plan.heapConcurrency);
        const result = results.get(measured);
        result.heapWallMs = (result.heapWallMs ?? 0) + outcome.wallMs;
        result.otherErrors += outcome.failed;
        // eslint-disable-next-line no-await-in-loop
        result.heapReadings = [...(result.heapReadings ?? []), (await measured.request('heap')).heapUsed];
      }
    }
    for (const result of results.values()) {
      result.heapAfter = result.heapReadings.at(-1);
    }
    // Last, so that the sockets 200 sign-ins open and then drop never distort the heap figure.
    for (let repeat = 0; repeat < plan.parallelRepeats; repeat += 1) {
      for (const measured of inTurn()) {
        // eslint-disable-next-line no-await-in-loop
        const outcome = await step(measured, plan.parallel, plan.parallel);
        const result = results.get(measured);
        result.parallelWallMs.push(outcome.wallMs);
        result.parallelErrors += outcome.failed;
      }
    }

    return Object.fromEntries(
      processes.map((measured) => {
        const result = results.get(measured);
        return [
          measured.variant.key,
          {
            wallPerSignInMs: result.sequentialWallMs / plan.sequential,
            cpuPerSignInMs: result.sequentialCpuMs / plan.sequential,
            parallelWallMs: result.parallelWallMs,
            parallelErrors: result.parallelErrors,
            otherErrors: result.otherErrors,
            heapBeforeMiB: result.heapBefore / 2 ** 20,
            heapGrowthMiB: (result.heapAfter - result.heapBefore) / 2 ** 20,
            heapLaterGrowthMiB: (result.heapAfter - result.heapReadings[0]) / 2 ** 20,
            heapReadingsMiB: [result.heapBefore, ...result.heapReadings].map((bytes) => bytes / 2 ** 20),
            heapWallMs: result.heapWallMs,
            jwksFirstSignIns: result.jwksFirstSignIns,
            jwksInFirst: result.jwksInFirst,
            jwksTotal: result.jwks,
            signIns: result.signIns,
            errorSamples: result.errorSamples,
          },
        ];
      }),
    );
  } finally {
    await Promise.all(processes.map((measured) => measured.stop()));
  }
};

const format = (value, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The 1-minute load average when the bench started: other work on the machine skews the times. */
const startLoad = os.loadavg()[0].toFixed(2);

const main = async () => {
  const benchStart = performance.now();
  if (!existsSync(path.join(root, 'lib', 'index.js'))) {
    throw new Error('lib/index.js is missing: run `npm run build` first (npm run bench does).');
  }
  // Every round measures the same build, even if lib/ is rebuilt meanwhile. The copy stays
  // inside the repository so that its imports resolve from node_modules.
  const snapshot = path.join(root, 'bench-results', 'lib');
  rmSync(snapshot, { recursive: true, force: true });
  cpSync(path.join(root, 'lib'), snapshot, { recursive: true });
  ourModuleUrl = pathToFileURL(path.join(snapshot, 'index.js')).href;
  const tempDir = mkdtempSync(path.join(os.tmpdir(), 'hf-bench-'));
  let standIn;
  try {
    const tls = createCertificates(tempDir, 'huggingface.co');
    standIn = await startStandIn(tls);
    log(`Stand-in: https://huggingface.co -> ${standIn.address}:443`);

    const importMs = { official: [], ours: [] };
    for (let round = 0; round < importRounds; round += 1) {
      importMs.official.push(measureImportTime('official'));
      importMs.ours.push(measureImportTime('ours'));
    }
    log(`Import time: ${importRounds} rounds done`);

    const samples = Object.fromEntries(variants.map((variant) => [variant.key, []]));
    for (let round = 0; round < rounds; round += 1) {
      const started = performance.now();
      // eslint-disable-next-line no-await-in-loop
      const results = await measureRound(round, standIn, tls);
      for (const variant of variants) {
        const result = results[variant.key];
        samples[variant.key].push(result);
        log(
          `Round ${round + 1}/${rounds} ${variant.label}: ${format(result.cpuPerSignInMs)} ms CPU/sign-in, ` +
            `${plan.parallel} in parallel ${result.parallelWallMs.map((ms) => format(ms, 0)).join(' / ')} ms`,
        );
        for (const sample of result.errorSamples) log(`  error: ${sample}`);
      }
      log(`Round ${round + 1}/${rounds}: ${format((performance.now() - started) / 1000, 1)} s`);
    }

    const totalSeconds = (performance.now() - benchStart) / 1000;
    const report = summarize(samples, importMs, totalSeconds, standIn.address);
    process.stdout.write(`\n${report.text}\n`);

    mkdirSync(path.join(root, 'bench-results'), { recursive: true });
    writeFileSync(
      path.join(root, 'bench-results', published ? 'latest.json' : 'trial.json'),
      `${JSON.stringify({ environment: environment(), plan, rounds, importMs, samples, summary: report.summary }, null, 2)}\n`,
    );
    if (published) {
      writeFileSync(path.join(root, 'BENCHMARKS.md'), report.markdown);
      log('Wrote BENCHMARKS.md');
    }
  } finally {
    if (standIn) {
      await standIn.stop();
    }
    rmSync(tempDir, { recursive: true, force: true });
  }
};

const environment = () => ({
  date: new Date().toISOString(),
  node: process.version,
  platform: `${os.type()} ${os.release()} ${os.arch()}`,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGiB: os.totalmem() / 2 ** 30,
});

const summarize = (samples, importMs, totalSeconds, address) => {
  const pick = (key, field) => samples[key].map((result) => result[field]);
  const med = (key, field) => median(pick(key, field));
  const sum = (key, field) => pick(key, field).reduce((total, value) => total + value, 0);

  const figures = Object.fromEntries(
    variants.map(({ key }) => [
      key,
      {
        wallPerSignInMs: med(key, 'wallPerSignInMs'),
        cpuPerSignInMs: med(key, 'cpuPerSignInMs'),
        parallelWallMs: median(pick(key, 'parallelWallMs').flat()),
        parallelErrorsTotal: sum(key, 'parallelErrors'),
        otherErrorsTotal: sum(key, 'otherErrors'),
        heapGrowthMiB: med(key, 'heapGrowthMiB'),
        heapLaterGrowthMiB: med(key, 'heapLaterGrowthMiB'),
        heapWallMs: med(key, 'heapWallMs'),
        jwksInFirst: med(key, 'jwksInFirst'),
        jwksFirstSignIns: samples[key][0].jwksFirstSignIns,
        jwksTotalMax: Math.max(...pick(key, 'jwksTotal')),
        jwksTotalMin: Math.min(...pick(key, 'jwksTotal')),
        signIns: samples[key][0].signIns,
      },
    ]),
  );
  figures.official.importMs = median(importMs.official);
  figures.ours.importMs = median(importMs.ours);
  figures.oursOpenid.importMs = figures.ours.importMs;

  const { official, ours, oursOpenid } = figures;
  const ratio = (a, b) => a / b;
  const laterSignIns = plan.heap - plan.heap / plan.heapChunks;
  const rows = [
    ['Wall time per sign-in, one at a time (ms)', 'wallPerSignInMs', 2],
    ['CPU time per sign-in, connector process (ms)', 'cpuPerSignInMs', 2],
    [`${plan.parallel} sign-ins in parallel: wall time (ms; median of ${rounds * plan.parallelRepeats} runs)`, 'parallelWallMs', 0],
    [`${plan.parallel} sign-ins in parallel: errors (all ${rounds * plan.parallelRepeats} runs)`, 'parallelErrorsTotal', 0],
    ['Marginal import time (ms)', 'importMs', 1],
    [`Heap growth over ${plan.heap.toLocaleString('en')} sign-ins (MiB)`, 'heapGrowthMiB', 2],
    [`… of which over the last ${laterSignIns.toLocaleString('en')} (MiB)`, 'heapLaterGrowthMiB', 2],
    [`JWKS fetches in a process's first ${official.jwksFirstSignIns} sign-ins`, 'jwksInFirst', 0],
  ];
  const ratioCell = (value) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
  const table = [
    '| Figure (median of rounds) | official, `profile` | ours, `profile` | ours, `openid profile` | ours/official `profile` | ours `openid profile`/official |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(([label, field, digits]) => {
      const ratioable = !['parallelErrorsTotal', 'heapGrowthMiB', 'heapLaterGrowthMiB', 'jwksInFirst'].includes(field);
      return `| ${label} | ${format(official[field], digits)} | ${format(ours[field], digits)} | ${format(oursOpenid[field], digits)} | ${
        ratioable ? ratioCell(ratio(ours[field], official[field])) : '–'
      } | ${ratioable ? ratioCell(ratio(oursOpenid[field], official[field])) : '–'} |`;
    }),
    `| JWKS fetches per process (${official.signIns.toLocaleString('en')} sign-ins; min–max over rounds) | ${official.jwksTotalMin}–${official.jwksTotalMax} | ${ours.jwksTotalMin}–${ours.jwksTotalMax} | ${oursOpenid.jwksTotalMin}–${oursOpenid.jwksTotalMax} | – | – |`,
  ];

  const cpuRatio = ratio(ours.cpuPerSignInMs, official.cpuPerSignInMs);
  const parallelRatio = ratio(ours.parallelWallMs, official.parallelWallMs);
  const openidCpuRatio = ratio(oursOpenid.cpuPerSignInMs, official.cpuPerSignInMs);
  const heapWorst = Math.max(ours.heapGrowthMiB, oursOpenid.heapGrowthMiB);
  const targets = [
    ['CPU per sign-in, ours/official (`profile`)', '≤ 1.00', cpuRatio.toFixed(2), cpuRatio <= 1],
    [
      `${plan.parallel} parallel sign-ins wall time, ours/official (\`profile\`), no errors`,
      '≤ 1.00',
      `${parallelRatio.toFixed(2)}; errors ${ours.parallelErrorsTotal} vs ${official.parallelErrorsTotal}`,
      parallelRatio <= 1 && ours.parallelErrorsTotal === 0,
    ],
    [
      'CPU per sign-in, ours `openid profile` / official `profile`',
      '≤ 1.30',
      openidCpuRatio.toFixed(2),
      openidCpuRatio <= 1.3,
    ],
    [
      `Heap growth over ${plan.heap.toLocaleString('en')} sign-ins, ours (worse of both scopes)`,
      '< 2 MiB',
      `${heapWorst.toFixed(2)} MiB`,
      heapWorst < 2,
    ],
    [
      'JWKS fetches per process, ours `openid profile`',
      '1',
      oursOpenid.jwksTotalMin === oursOpenid.jwksTotalMax
        ? String(oursOpenid.jwksTotalMax)
        : `${oursOpenid.jwksTotalMin}–${oursOpenid.jwksTotalMax}`,
      oursOpenid.jwksTotalMin === 1 && oursOpenid.jwksTotalMax === 1,
    ],
  ];
  const errorsTotal = variants.reduce(
    (total, { key }) => total + figures[key].parallelErrorsTotal + figures[key].otherErrorsTotal,
    0,
  );

  const env = environment();
  const ratiosText = [
    `ours/official (profile): CPU ${cpuRatio.toFixed(2)}, wall ${ratio(ours.wallPerSignInMs, official.wallPerSignInMs).toFixed(2)}, parallel wall ${parallelRatio.toFixed(2)}, import ${ratio(ours.importMs, official.importMs).toFixed(2)}`,
    `ours (openid profile)/official (profile): CPU ${openidCpuRatio.toFixed(2)}, wall ${ratio(oursOpenid.wallPerSignInMs, official.wallPerSignInMs).toFixed(2)}, parallel wall ${ratio(oursOpenid.parallelWallMs, official.parallelWallMs).toFixed(2)}`,
  ];
  const targetLines = targets.map(([name, goal, value, met]) => `| ${name} | ${goal} | ${value} | ${met ? 'PASS' : 'MISS'} |`);

  const text = [
    ...table,
    '',
    ...ratiosText,
    '',
    '| Target | Goal | Measured | Result |',
    '|---|---|---|---|',
    ...targetLines,
    '',
    `Errors over all sign-ins of all rounds: ${errorsTotal}. Bench time: ${totalSeconds.toFixed(0)} s.`,
  ].join('\n');

  const markdown = `# Benchmarks

This connector (\`lib/\`, built from \`src/\`) against the official \`@logto/connector-huggingface\`
${officialVersion()}, both signing in at the same Hugging Face stand-in. Generated by
\`npm run bench\` (\`bench/run.mjs\`); do not edit by hand.

- Date: ${env.date}
- Node.js: ${env.node} (${env.platform})
- Machine: ${env.cpus} CPU cores (${env.cpuModel}), ${env.memoryGiB.toFixed(1)} GiB memory; load average ${startLoad} at the start
- Rounds: ${rounds}, each alternating official, ours (\`profile\`) and ours (\`openid profile\`) step by step; each figure is the median over the rounds (import time: ${importRounds} fresh processes per connector, alternating)
- Bench run time: ${totalSeconds.toFixed(0)} s

**Absolute times are noisy** (a shared machine, a stand-in on the same cores); compare the
ratios, which are measured back to back under the same conditions.

## Results

${table.join('\n')}

${ratiosText.map((line) => `- ${line}`).join('\n')}

Errors over all ${(official.signIns * rounds * variants.length).toLocaleString('en')} sign-ins of all rounds: ${errorsTotal}.

## Targets

| Target | Goal | Measured | Result |
|---|---|---|---|
${targetLines.join('\n')}

## What is measured

- **Setup.** The shared stand-in (\`stand-in/\`, oidc-provider) serves HTTPS on
  port 443 of ${address} with a certificate for \`huggingface.co\` from a CA made
  with openssl at bench start. Each measured process starts with \`--import bench/preload.mjs\`,
  which resolves \`huggingface.co\` to that address through \`dns.lookup\`, and
  \`NODE_EXTRA_CA_CERTS\` naming the CA. Both connectors therefore call the same
  \`https://huggingface.co/oauth/...\` URLs over TLS: the official one's fixed endpoints, ours
  with its default hub URL. The stand-in lets the official connector's app skip PKCE, as Hugging
  Face does for confidential apps; ours sends PKCE.
- **A sign-in** is \`getAuthorizationUri\`, then the user's part (\`driveSignIn\`: authorization
  URL, login page, choose \`ada\`, redirects back), then \`getUserInfo\` (token exchange, with
  \`openid\` the ID token check against the JWKS, then userinfo), with a Logto-like JSON session.
  The user's part runs in a process of its own, like a browser, reached over IPC; neither it
  nor the stand-in counts as the connector's CPU.
- **Rounds.** Each round starts a fresh process per variant (official \`profile\`, ours
  \`profile\`, ours \`openid profile\`), all alive at once but driven one at a time in small
  interleaved steps whose order rotates, so a burst of load on the machine falls on every
  variant alike. Per process: ${plan.warmup} warm-up sign-ins; ${plan.sequential} timed sign-ins one at a time, in
  ${plan.sequentialChunks} steps (wall time and \`process.cpuUsage()\` of that process, user + system, divided
  by ${plan.sequential}); ${plan.heap.toLocaleString('en')} sign-ins, ${plan.heapConcurrency} at a time in ${plan.heapChunks} steps, between two heap
  readings (\`heapUsed\` after forced garbage collection, \`--expose-gc\`); then ${plan.parallelRepeats} runs of
  ${plan.parallel} sign-ins started at once (wall time until all settle, and failures). All are real
  sign-ins through the stand-in. Medians are over the ${rounds} rounds (the parallel wall time: over
  all ${rounds * plan.parallelRepeats} runs).
- **Heap.** The growth is the second reading minus the first. A reading after each step also
  gives the growth over the last ${(plan.heap - plan.heap / plan.heapChunks).toLocaleString('en')} sign-ins alone: the first step
  includes one-off growth (the connection pool reaching ${plan.heapConcurrency} sockets, optimized code),
  the later ones show whether memory keeps growing with every sign-in (a leak). For a longer
  look, \`node bench/run.mjs --rounds 1 --heap 12000\` reads the heap every 1,000 sign-ins
  (\`heapReadingsMiB\` in \`bench-results/trial.json\`).
- **Import time** is \`await import()\` of the package's \`lib/index.js\`, timed in a fresh
  process that has already imported \`@logto/connector-kit\`, \`got\`, \`ky\`, \`zod\` and \`jose\`
  (the modules Logto core already holds). The official connector also loads
  \`@logto/connector-oauth\`, \`@silverhand/essentials\` and their imports, which count here.
- **JWKS fetches** are the stand-in's count of \`GET /oauth/jwks\` requests while that process
  ran: in its first ${plan.warmup + plan.sequential} sign-ins, and over its whole life.
- Per-sign-in wall time is dominated by the stand-in (oidc-provider, the login page), the same
  for both, except that with \`openid\` the stand-in also signs an ID token (RS256). The CPU
  column isolates the connector; it includes the measured process's share of the IPC to the
  browser process (about 1% in profiles), the same for both.
- The ${plan.parallel} parallel sign-ins share one stand-in process, the bottleneck for both
  connectors, so their wall time is mostly the stand-in's. The ratio shows what each connector
  adds on top.

## When a target shows MISS

Profile the measured processes and compare where their time goes:

\`\`\`sh
npm run build && node bench/run.mjs --quick --cpu-prof
node bench/profile-summary.mjs bench-results/profiles/*.cpuprofile
\`\`\`
`;

  return {
    text,
    markdown,
    summary: { figures, targets: targets.map(([name, goal, value, met]) => ({ name, goal, value, met })), totalSeconds },
  };
};

const officialVersion = () =>
  JSON.parse(readFileSync(path.join(root, 'node_modules', '@logto', 'connector-huggingface', 'package.json'), 'utf8'))
    .version;

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
