/**
 * Renders the figures as the console summary and as BENCHMARKS.md. Nothing here measures or
 * computes a figure.
 */
import { type BenchEnvironment } from './environment.js';
import { type CpuFigures, type LatencyFigures, type Target } from './figures.js';
import { type CpuPlan } from './cpu.js';
import { type LatencySamples } from './latency.js';

const format = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

const targetTable = (targets: Target[]) => [
  '| Target | Goal | Measured | Result |',
  '|---|---|---|---|',
  ...targets.map(({ name, goal, measured, met }) => `| ${name} | ${goal} | ${measured} | ${met ? 'PASS' : 'MISS'} |`),
];

/** What the CPU section reports. */
export type CpuReport = { figures: CpuFigures; plan: CpuPlan; rounds: number };

const cpuTable = ({ figures, plan, rounds }: CpuReport) => {
  const { official, ours, oursOpenid } = figures.variants;
  const rows: [string, keyof typeof official, number, boolean][] = [
    ['Wall time per sign-in, one at a time (ms)', 'wallPerSignInMs', 2, true],
    ['CPU time per sign-in, connector process (ms)', 'cpuPerSignInMs', 2, true],
    ["… of which while the browser process did the user's part (ms)", 'waitingCpuPerSignInMs', 2, false],
    [`${plan.parallel} sign-ins in parallel: wall time (ms; median of ${rounds * plan.parallelRepeats} runs)`, 'parallelWallMs', 0, true],
    [`${plan.parallel} sign-ins in parallel: errors (all ${rounds * plan.parallelRepeats} runs)`, 'parallelErrorsTotal', 0, false],
    ['Marginal import time (ms)', 'importMs', 1, true],
    [`Heap growth over ${plan.heap.toLocaleString('en')} sign-ins (MiB)`, 'heapGrowthMiB', 2, false],
    [`… of which over the last ${(plan.heap - plan.heap / plan.heapChunks).toLocaleString('en')} (MiB)`, 'heapLaterGrowthMiB', 2, false],
    [`JWKS fetches in a process's first ${official.jwksFirstSignIns} sign-ins`, 'jwksInFirst', 0, false],
    ['New TLS connections per sign-in, one at a time (all rounds)', 'connectionsBackToBack', 2, false],
    [`New TLS connections per sign-in, ${plan.heapConcurrency} at a time (all rounds)`, 'connectionsFewAtOnce', 2, false],
    [`New TLS connections per sign-in, ${plan.parallel} at once (all rounds)`, 'connectionsBurst', 2, false],
  ];
  return [
    '| Figure (median of rounds) | official, `profile` | ours, `profile` | ours, `openid profile` | ours/official `profile` | ours `openid profile`/official |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(([label, field, digits, ratioable]) => {
      const ratio = (value: number) => (ratioable ? format(value / official[field], 2) : '–');
      return `| ${label} | ${format(official[field], digits)} | ${format(ours[field], digits)} | ${format(oursOpenid[field], digits)} | ${ratio(ours[field])} | ${ratio(oursOpenid[field])} |`;
    }),
    `| JWKS fetches per process (${official.signIns.toLocaleString('en')} sign-ins; min–max over rounds) | ${official.jwksTotalMin}–${official.jwksTotalMax} | ${ours.jwksTotalMin}–${ours.jwksTotalMax} | ${oursOpenid.jwksTotalMin}–${oursOpenid.jwksTotalMax} | – | – |`,
  ];
};

const cpuRatioLines = ({ figures }: CpuReport) => {
  const { ratios } = figures;
  return [
    `ours/official (profile): CPU ${format(ratios.cpu)}, wall ${format(ratios.wall)}, parallel wall ${format(ratios.parallelWall)}, import ${format(ratios.import)}`,
    `ours (openid profile)/official (profile): CPU ${format(ratios.openidCpu)}, wall ${format(ratios.openidWall)}, parallel wall ${format(ratios.openidParallelWall)}`,
  ];
};

/** What the latency section reports. */
export type LatencyReport = { figures: LatencyFigures; samples: LatencySamples };

const latencyTable = ({ figures }: LatencyReport) => [
  '| State | official, `profile` | ours, `profile` | ours, `openid profile` | floor |',
  '|---|---:|---:|---:|---:|',
  ...figures.states.map(({ label, floor, variants }) => {
    const cell = (key: keyof typeof variants) =>
      `${format(variants[key].roundTrips, 2)} (${format(variants[key].connections, 0)})`;
    return `| ${label} | ${cell('official')} | ${cell('ours')} | ${cell('oursOpenid')} | ${floor} |`;
  }),
];

const latencyTimesTable = ({ figures }: LatencyReport) => [
  '| State | official, `profile` | ours, `profile` | ours, `openid profile` |',
  '|---|---:|---:|---:|',
  ...figures.states.map(({ label, variants }) => {
    const cell = (key: keyof typeof variants) => format(variants[key].wallMs, 1);
    return `| ${label} | ${cell('official')} | ${cell('ours')} | ${cell('oursOpenid')} |`;
  }),
];

/** The console summary. */
export const renderText = (cpu: CpuReport | undefined, latency: LatencyReport | undefined, totalSeconds: number): string =>
  [
    ...(cpu
      ? [...cpuTable(cpu), '', ...cpuRatioLines(cpu), '', ...targetTable(cpu.figures.targets), '', `Errors over all sign-ins of all rounds: ${cpu.figures.errorsTotal}.`, '']
      : []),
    ...(latency
      ? [
          `Round trips of getUserInfo over a ${latency.figures.rttMs} ms link (connections opened per sign-in):`,
          ...latencyTable(latency),
          '',
          'Wall time of getUserInfo over the slow link, ms (medians):',
          ...latencyTimesTable(latency),
          '',
          ...targetTable(latency.figures.targets),
          '',
        ]
      : []),
    `Bench time: ${totalSeconds.toFixed(0)} s.`,
  ].join('\n');

/** Everything BENCHMARKS.md shows. */
export type MarkdownInput = {
  cpu: CpuReport;
  latency: LatencyReport;
  environment: BenchEnvironment;
  officialVersion: string;
  totalSeconds: number;
  importRounds: number;
};

/** BENCHMARKS.md. */
export const renderMarkdown = ({ cpu, latency, environment: env, officialVersion, totalSeconds, importRounds }: MarkdownInput): string => {
  const { plan, rounds } = cpu;
  const { official } = cpu.figures.variants;
  const samples = latency.samples;
  const rtt = samples.rttMs;
  return `# Benchmarks

This connector (\`lib/\`, built from \`src/\`) against the official \`@logto/connector-huggingface\`
${officialVersion}, both signing in at the same Hugging Face stand-in. Generated by
\`npm run bench -- --write-benchmarks\` (\`bench/run.ts\`); do not edit by hand.

- Date: ${env.date}
- Node.js: ${env.node} (${env.platform})
- Machine: ${env.cpus} CPU cores (${env.cpuModel}), ${env.memoryGiB.toFixed(1)} GiB memory; load average ${env.startLoad} at the start
- CPU section: ${rounds} rounds, each alternating official, ours (\`profile\`) and ours (\`openid profile\`) step by step; each figure is the median over the rounds (import time: ${importRounds} fresh processes per connector, alternating)
- Latency section: ${samples.rounds.length} rounds over a link with a ${rtt} ms round trip, fresh processes each round
- Bench run time: ${totalSeconds.toFixed(0)} s

## Latency: round trips per sign-in

What a user waits for is round trips to Hugging Face. The connector's part of a sign-in
(\`getUserInfo\`: token exchange, with \`openid\` the key set, then userinfo) over a link that
delays each direction by ${rtt / 2} ms, in round trips of ${rtt} ms; in brackets the connections
opened per sign-in (median).

${latencyTable(latency).join('\n')}

The floor: a warm sign-in needs the token exchange and the userinfo request, one round trip
each (the key set, once per process, goes beside the userinfo request); the first sign-in of a
process also needs a TLS handshake; after idle, a sign-in needs no more than a warm one as long
as the hub keeps the connection open.

### Targets

${targetTable(latency.figures.targets).join('\n')}

### Milliseconds behind the round trips

Median wall time of \`getUserInfo\` over the slow link, in milliseconds: the round trips plus
what both sides computed (cold code and the TLS context on a first sign-in, the stand-in's own
work, the machine's other load):

${latencyTimesTable(latency).join('\n')}

## CPU, memory, import time

**Absolute times are noisy** (a shared machine, a stand-in on the same cores); compare the
ratios, which are measured back to back under the same conditions.

${cpuTable(cpu).join('\n')}

${cpuRatioLines(cpu).map((line) => `- ${line}`).join('\n')}

Errors over all ${(official.signIns * rounds * 3).toLocaleString('en')} sign-ins of all rounds: ${cpu.figures.errorsTotal}.

### Targets

${targetTable(cpu.figures.targets).join('\n')}

## What is measured

- **Setup.** The shared stand-in (\`stand-in/\`, oidc-provider) serves HTTPS on
  a free port of 127.0.0.1 with a certificate for \`huggingface.co\` from a CA made with openssl
  at bench start. Each measured process starts with \`--import stand-in/resolve-hub.mjs\`, which sends
  TCP connections for \`huggingface.co:443\` to that port (or to the delaying proxy's), and
  \`NODE_EXTRA_CA_CERTS\` naming the CA; TLS still names and checks \`huggingface.co\`. Nothing
  listens on port 443 and nothing runs as root. Both connectors call the same
  \`https://huggingface.co/oauth/...\` URLs: the official one's fixed endpoints, ours with its
  default hub URL. The stand-in lets the official connector's app skip PKCE, as Hugging Face
  does for confidential apps; ours sends PKCE.
- **The hub's connections.** The stand-in keeps an idle connection open for
  ${samples.hubIdleSeconds} s and announces nothing (no \`Keep-Alive\` header), as Hugging Face's
  HTTP/1.1 edge is assumed to (a guess: the hub answers through CloudFront, whose idle timeout
  towards clients is not documented). A connector that keeps idle connections only for a default
  time of its own reconnects after that time; a hub that announces \`Keep-Alive: timeout=N\` is
  covered by the unit tests (\`test/unit/hub-connections.test.ts\`).
- **A sign-in** is \`getAuthorizationUri\`, then the user's part (\`driveSignIn\`: authorization
  URL, login page, choose \`ada\`, redirects back), then \`getUserInfo\` (token exchange, with
  \`openid\` the ID token check against the JWKS, then userinfo), with a Logto-like JSON session,
  and the callback posted as Logto's sign-in page posts it (the query without \`state\`, plus
  \`redirectUri\`). The user's part runs in a process of its own, like a browser, reached over IPC;
  neither it nor the stand-in counts as the connector's CPU, and it talks to the stand-in
  directly, never through the delaying proxy.
- **Latency.** A TCP proxy on 127.0.0.1 (\`bench/delay-proxy.ts\`) holds every chunk of data and
  every end of stream ${rtt / 2} ms in each direction before passing it on. Each round starts a
  fresh process per variant behind it and signs in with each, one process at a time: the first
  sign-in of the process; ${samples.warmSignIns} sign-ins right after another (warm); then, after the pool sat idle
  ${samples.idleSeconds.join(' s and ')} s, one more each. Only \`getUserInfo\` is looked at. **Round trips** are the
  time during which anything was on the link while it ran (the union of every chunk's ${rtt / 2} ms
  in flight, over all connections), divided by ${rtt} ms: bytes that travel at once, on one
  connection or several, count once, and what either side computes in between counts not at
  all, so the figure is the round trips waited for, free of the machine's load. The figures are
  medians over all rounds' samples of a state. A TCP handshake with the proxy is immediate, so
  a new connection costs its TLS handshake here (one round trip with TLS 1.3) but not TCP's own
  round trip: on a real link each connection opened costs one more, which the connections column
  shows. The proxy's timers fired on average ${format(samples.meanProxyLatenessMs, 2)} ms late per chunk (in the wall
  times, not in the round trips). Ours with \`openid profile\` fetches the key set on its first
  sign-in and finds it cached afterwards.
- **Rounds (CPU).** Each round starts a fresh process per variant (official \`profile\`, ours
  \`profile\`, ours \`openid profile\`), all alive at once but driven one at a time in small
  interleaved steps whose order rotates, so a burst of load on the machine falls on every
  variant alike. Per process: ${plan.warmup} warm-up sign-ins; ${plan.sequential} timed sign-ins one at a time, in
  ${plan.sequentialChunks} steps (wall time and \`process.cpuUsage()\` of that process, user + system, divided
  by ${plan.sequential}); ${plan.heap.toLocaleString('en')} sign-ins, ${plan.heapConcurrency} at a time in ${plan.heapChunks} steps, between two heap
  readings (\`heapUsed\` after forced garbage collection, \`--expose-gc\`); then ${plan.parallelRepeats} runs of
  ${plan.parallel} sign-ins started at once (wall time until all settle, and failures). All are real
  sign-ins through the stand-in, with no added latency. Medians are over the ${rounds} rounds (the
  parallel wall time: over all ${rounds * plan.parallelRepeats} runs).
- **Heap.** The growth is the second reading minus the first. A reading after each step also
  gives the growth over the last ${(plan.heap - plan.heap / plan.heapChunks).toLocaleString('en')} sign-ins alone: the first step
  includes one-off growth (the connection pool reaching ${plan.heapConcurrency} sockets, optimized code),
  the later ones show whether memory keeps growing with every sign-in (a leak). For a longer
  look, \`npm run bench -- --only cpu --rounds 1 --heap 12000\` reads the heap every 1,000
  sign-ins (\`heapReadingsMiB\` in \`bench-results/trial.json\`).
- **Import time** is \`await import()\` of the package's \`lib/index.js\`, timed in a fresh
  process that has already imported \`@logto/connector-kit\`, \`got\`, \`ky\`, \`zod\` and \`jose\`
  (the modules Logto core already holds). The official connector also loads
  \`@logto/connector-oauth\`, \`@silverhand/essentials\` and their imports, which count here.
- **New TLS connections** are counted where they arrive: the stand-in's HTTPS server also
  listens on a second loopback port, for the connectors alone (the browser process uses the
  first), and counts each connection accepted there, whatever library opened it. As with the
  JWKS fetches, only one measured process runs at a time, so the count between the start and
  the end of a step is that process's. Per sign-in: over the ${plan.sequential} timed sign-ins one at a
  time (the warm-up's first connection is not among them), the ${plan.heap.toLocaleString('en')} sign-ins ${plan.heapConcurrency} at a
  time, and the ${plan.parallelRepeats} bursts of ${plan.parallel}; the other variants' steps run in between, so a connection
  kept idle must outlast them. The latency section counts at its delaying proxy.
- **JWKS fetches** are the stand-in's count of \`GET /oauth/jwks\` requests while that process
  ran: in its first ${plan.warmup + plan.sequential} sign-ins, and over its whole life.
- Per-sign-in wall time in the CPU section is dominated by the stand-in (oidc-provider, the
  login page), the same for both, except that with \`openid\` the stand-in also signs an ID token
  (RS256). The CPU figure is the measured process's, so it isolates the connector from the
  stand-in and the browser; it includes the process's side of the IPC to the browser process,
  the same work for both. The row below it shows the CPU time spent while the process waited
  for the browser process: the IPC, and whatever else ran meanwhile (garbage collection, a
  connection's last bytes), an upper bound on the harness's share.
- The ${plan.parallel} parallel sign-ins share one stand-in process, the bottleneck for both
  connectors, so their wall time is mostly the stand-in's. The ratio shows what each connector
  adds on top.

## Running it

\`npm run bench\` runs both sections (about a quarter of an hour on 2 cores) and writes
\`bench-results/BENCHMARKS.md\` and \`bench-results/latest.json\`, outside the tracked tree;
\`npm run bench -- --write-benchmarks\` also rewrites this file. \`npm run bench -- --only latency\`
runs the latency section alone (\`--rtt\`, \`--idle\`, \`--latency-rounds\`); \`--help\` lists every
option.

## When a target shows MISS

Profile the measured processes and compare where their time goes:

\`\`\`sh
npm run build && node --import tsx bench/run.ts --quick --only cpu --cpu-prof
node bench/profile-summary.mjs bench-results/profiles/*.cpuprofile
\`\`\`

For a latency MISS, the connections column says whether a sign-in opened a connection it could
have reused; \`test/unit/hub-connections.test.ts\` pins how the connector keeps and drops them.
For a connections MISS, the same file pins when a connection goes back to the pool and how many
a burst opens;
\`NODE_DEBUG=http\` in the environment of \`npm run bench\` makes every measured process log each
connection its agent creates.
`;
};
