/**
 * A TCP proxy on 127.0.0.1 that delays every byte by half a round trip in each direction, as a
 * slow link would; what crosses it is unchanged (TLS passes through). It counts the connections
 * it accepts, so a run can tell how many a sign-in opened, and the turns of the conversation:
 * each time the bytes entering the link change direction (client to server, server to client),
 * one side had to wait for the other across the link. Two turns make a round trip, whatever
 * either side computed in between and however many connections carried the bytes at once.
 *
 * Only data and the end of a stream are delayed: a TCP handshake with the proxy is immediate, so
 * a new connection costs its TLS handshake here but not the one extra round trip of TCP's own.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** A running proxy. */
export type DelayProxy = {
  /** The port it listens on. */
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Times so far the bytes entering the link changed direction (half round trips). */
  readonly turns: number;
  /** Starts counting turns afresh: the next bytes, either way, open a turn. */
  newConversation: () => void;
  /** Mean lateness of its timers over all delayed chunks so far, in milliseconds. */
  readonly meanLatenessMs: number;
  close: () => Promise<void>;
};

type Pending = { due: number; chunk: Buffer | null };

/**
 * Forwards one direction with a fixed delay, in order; `null` stands for the end of the stream.
 * With no delay it forwards at once.
 */
/** Which way the latest bytes went, and how many times that changed. */
type Conversation = { lastDirection: 'up' | 'down' | undefined; turns: number };

const delayedPipe = (
  from: net.Socket,
  to: net.Socket,
  delayMs: number,
  lateness: { total: number; count: number },
  conversation: Conversation,
  direction: 'up' | 'down',
) => {
  const queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deliver = (chunk: Buffer | null) => {
    if (to.destroyed) return;
    if (chunk === null) to.end();
    else to.write(chunk);
  };
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && (queue[0] as Pending).due <= now) {
      const { due, chunk } = queue.shift() as Pending;
      lateness.total += now - due;
      lateness.count += 1;
      deliver(chunk);
    }
    schedule();
  };
  const schedule = () => {
    if (timer === undefined && queue.length > 0) {
      timer = setTimeout(flush, Math.max(0, (queue[0] as Pending).due - performance.now()));
    }
  };
  const push = (chunk: Buffer | null) => {
    if (delayMs === 0) {
      deliver(chunk);
      return;
    }
    if (conversation.lastDirection !== direction) {
      conversation.lastDirection = direction;
      conversation.turns += 1;
    }
    const now = performance.now();
    queue.push({ due: now + delayMs, chunk });
    schedule();
  };
  from.on('data', (chunk: Buffer) => push(chunk));
  from.on('end', () => push(null));
};

/**
 * Starts a proxy to `127.0.0.1:targetPort` that adds `rttMs` to every round trip.
 */
export const startDelayProxy = async (targetPort: number, rttMs: number): Promise<DelayProxy> => {
  const oneWayMs = rttMs / 2;
  const lateness = { total: 0, count: 0 };
  const conversation: Conversation = { lastDirection: undefined, turns: 0 };
  let connections = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    connections += 1;
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort, allowHalfOpen: true, noDelay: true });
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    }
    delayedPipe(client, upstream, oneWayMs, lateness, conversation, 'up');
    delayedPipe(upstream, client, oneWayMs, lateness, conversation, 'down');
    // A reset on one side resets the other after the link's delay, as it would travel.
    const destroyLater = (other: net.Socket) => () => setTimeout(() => other.destroy(), oneWayMs);
    client.on('error', destroyLater(upstream));
    upstream.on('error', destroyLater(client));
    client.on('close', () => setTimeout(() => upstream.end(), oneWayMs));
    upstream.on('close', () => setTimeout(() => client.end(), oneWayMs));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return connections;
    },
    get turns() {
      return conversation.turns;
    },
    newConversation: () => {
      conversation.lastDirection = undefined;
    },
    get meanLatenessMs() {
      return lateness.count === 0 ? 0 : lateness.total / lateness.count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
};
