/**
 * The latency section: what a user waits for in the connector's part of a sign-in
 * (`getUserInfo`: token exchange, key set, userinfo) over a slow link, first in a process, warm,
 * and after the connection pool sat idle.
 *
 * Each variant runs in a fresh process per round behind a proxy that delays every byte by half
 * the round-trip time each way. The proxy counts the turns of the conversation during a sign-in
 * (two make a round trip), whatever CPU (cold code, TLS, JSON, the stand-in) cost around them;
 * the wall time is kept beside it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import { type CertificateFiles } from '../stand-in/index.js';
import { type DelayProxy, startDelayProxy } from './delay-proxy.js';
import { type MeasuredProcess, type StandInProcesses, startMeasured } from './processes.js';
import { perVariant, type PerVariant, variants } from './variants.js';

/** One measured `getUserInfo`. */
export type LatencySample = {
  /** Its wall time, in milliseconds. */
  userInfoMs: number;
  /** Round trips waited for meanwhile (turns of the conversation, halved). */
  roundTrips: number;
  /** Connections the process opened to the hub meanwhile. */
  connections: number;
};

/** The samples of one process. */
export type ProcessSamples = {
  /** The process's first sign-in. */
  first: LatencySample;
  /** Sign-ins right after another. */
  warm: LatencySample[];
  /** The sign-in after each idle time, by idle seconds. */
  afterIdle: Record<string, LatencySample>;
};

/** One round: a process per variant. */
export type LatencyRound = PerVariant<ProcessSamples>;

/** Everything the latency section measured. */
export type LatencySamples = {
  rttMs: number;
  idleSeconds: number[];
  warmSignIns: number;
  hubIdleSeconds: number;
  rounds: LatencyRound[];
  /** How late the slow proxy's timers delivered, on average, in milliseconds. */
  meanProxyLatenessMs: number;
};

/** What the section needs. */
export type LatencyPlan = {
  rounds: number;
  rttMs: number;
  idleSeconds: number[];
  hubIdleSeconds: number;
  standIn: StandInProcesses;
  tls: CertificateFiles;
  ourModuleUrl: string;
  log: (text: string) => void;
};

/** Sign-ins per process in the warm state. */
const warmSignIns = 5;

type Running = {
  process: MeasuredProcess;
  samples: Partial<ProcessSamples> & { warm: LatencySample[]; afterIdle: Record<string, LatencySample> };
};

const signInOnce = async (running: Running, proxy: DelayProxy): Promise<LatencySample> => {
  const connections = proxy.connections;
  proxy.newConversation();
  const turns = proxy.turns;
  const reply = await running.process.request('signInOnce');
  return {
    userInfoMs: reply.userInfoMs as number,
    roundTrips: (proxy.turns - turns) / 2,
    connections: proxy.connections - connections,
  };
};

/** Runs the latency section. */
export const measureLatency = async (plan: LatencyPlan): Promise<LatencySamples> => {
  const proxy = await startDelayProxy(plan.standIn.connectorPort, plan.rttMs);
  const idleSeconds = [...plan.idleSeconds].sort((a, b) => a - b);
  const rounds: LatencyRound[] = [];
  try {
    for (let round = 0; round < plan.rounds; round += 1) {
      const started = Date.now();
      // eslint-disable-next-line no-await-in-loop
      rounds.push(await measureRound(plan, proxy, idleSeconds, round));
      plan.log(`Latency round ${round + 1}/${plan.rounds}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
  } finally {
    await proxy.close();
  }
  return {
    rttMs: plan.rttMs,
    idleSeconds,
    warmSignIns,
    hubIdleSeconds: plan.hubIdleSeconds,
    rounds,
    meanProxyLatenessMs: proxy.meanLatenessMs,
  };
};

const measureRound = async (
  plan: LatencyPlan,
  proxy: DelayProxy,
  idleSeconds: number[],
  round: number,
): Promise<LatencyRound> => {
  const running: Running[] = [];
  try {
    for (const variant of variants) {
      // eslint-disable-next-line no-await-in-loop
      const process = await startMeasured({
        variant,
        standIn: plan.standIn,
        tls: plan.tls,
        ourModuleUrl: plan.ourModuleUrl,
        hubPort: proxy.port,
      });
      running.push({ process, samples: { warm: [], afterIdle: {} } });
    }
    // One process at a time, the order rotating per round, so that load falls on all alike.
    const inOrder = running.map((_, index) => running[(index + round) % running.length] as Running);
    const eachInTurn = async (step: (entry: Running) => Promise<void>) => {
      for (const entry of inOrder) {
        // eslint-disable-next-line no-await-in-loop
        await step(entry);
      }
    };

    await eachInTurn(async (entry) => {
      entry.samples.first = await signInOnce(entry, proxy);
    });
    for (let index = 0; index < warmSignIns; index += 1) {
      // eslint-disable-next-line no-await-in-loop
      await eachInTurn(async (entry) => {
        entry.samples.warm.push(await signInOnce(entry, proxy));
      });
    }
    for (const seconds of idleSeconds) {
      // Every process has been idle at least this long when its turn comes.
      // eslint-disable-next-line no-await-in-loop
      await sleep(seconds * 1000);
      // eslint-disable-next-line no-await-in-loop
      await eachInTurn(async (entry) => {
        entry.samples.afterIdle[String(seconds)] = await signInOnce(entry, proxy);
      });
    }
    return perVariant(
      (variant) => running.find((entry) => entry.process.variant.key === variant.key)?.samples as ProcessSamples,
    );
  } finally {
    await Promise.all(running.map((entry) => entry.process.stop()));
  }
};
