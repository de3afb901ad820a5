/**
 * Connections to the hub, reused across sign-ins.
 *
 * Every new HTTPS connection costs a TLS handshake, a round trip before the first request. The
 * agents here keep an idle connection as long as the server's `Keep-Alive: timeout=N` hint
 * allows (less a safety margin), at most {@link maxIdleMs}, so a sign-in after a quiet minute
 * costs what a warm one does. An idle connection the server closed, or is about to close, is
 * dropped before a request could be written to it: a POST is never retried (it may have reached
 * the server), so it must never be sent on a connection that cannot carry it.
 *
 * Module state is connections only, never anything of one sign-in.
 *
 * @see https://httpwg.org/specs/rfc9112.html#persistent.connections
 * @see https://datatracker.ietf.org/doc/html/draft-thomson-hybi-http-timeout-03#section-2
 */
import http from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Longest time an idle connection is kept, whatever the server announces, in milliseconds. */
export const maxIdleMs = 90_000;

/** An idle connection is closed this long before the server said it would close it, in milliseconds. */
export const idleMarginMs = 1000;

/** A connection opened ahead of a request is closed if nothing used it within this time, in milliseconds. */
export const spareLifetimeMs = 30_000;

/** When each idle connection must stop being reused (epoch milliseconds). */
const idleDeadlines = new WeakMap<Socket, number>();

/**
 * How long a server lets an idle connection live, from its `Keep-Alive` header
 * (`timeout=N` in seconds, in any position); `undefined` when it says nothing.
 */
const announcedIdleMs = (header: string | string[] | undefined): number | undefined => {
  const value = Array.isArray(header) ? header.join(',') : header;
  const seconds = value ? /(?:^|[\s,;])timeout\s*=\s*(\d+)/i.exec(value)?.[1] : undefined;
  return seconds === undefined ? undefined : Number(seconds) * 1000;
};

/** The `Keep-Alive` header of the response a socket just finished carrying (Node.js reads it there too). */
const keepAliveHeaderOf = (socket: Socket): string | string[] | undefined =>
  (socket as { _httpMessage?: { res?: http.IncomingMessage } })._httpMessage?.res?.headers['keep-alive'];

/**
 * How long a connection may stay idle: as long as the server announced less {@link idleMarginMs},
 * at most {@link maxIdleMs}; not at all when that leaves no time. A server that announces
 * nothing keeps connections open until it closes them (HTTP/1.1), which the connection
 * reports, so the cap applies.
 */
const idleAllowanceMs = (socket: Socket): number => {
  const announced = announcedIdleMs(keepAliveHeaderOf(socket));
  return announced === undefined ? maxIdleMs : Math.min(maxIdleMs, announced - idleMarginMs);
};

/** True when a connection cannot carry a request any more, or will not for long enough. */
const isStale = (socket: Socket, now: number): boolean =>
  socket.destroyed ||
  !socket.readable ||
  socket.readableEnded ||
  !socket.writable ||
  now >= (idleDeadlines.get(socket) ?? Number.POSITIVE_INFINITY);

const spareKey = (host: unknown, port: unknown) => `${String(host)}:${String(port)}`;

/** Closes a connection opened ahead that nothing used in time. */
function destroySpare(this: Socket): void {
  this.destroy();
}

/**
 * One agent with the hub policy: the idle allowance when a connection is released, no idle timer
 * while it carries a request, and connections opened ahead handed out before new ones.
 */
class HubPool<PoolAgent extends http.Agent> {
  /** Connections opened ahead of requests, by `host:port`, until the agent needs a new one. */
  readonly #spares = new Map<string, Set<Socket>>();
  readonly #openConnection: http.Agent['createConnection'];

  constructor(readonly agent: PoolAgent) {
    // Node.js's Agent returns whether to keep the socket; its type says void.
    const keepSocketAlive = agent.keepSocketAlive.bind(agent) as unknown as (socket: Socket) => boolean;
    const reuseSocket = agent.reuseSocket.bind(agent);
    this.#openConnection = agent.createConnection.bind(agent);

    agent.keepSocketAlive = (socket: Socket): boolean => {
      if (!keepSocketAlive(socket)) {
        return false;
      }
      const allowance = idleAllowanceMs(socket);
      if (allowance <= 0) {
        return false;
      }
      socket.setTimeout(allowance);
      idleDeadlines.set(socket, Date.now() + allowance);
      return true;
    };
    agent.reuseSocket = (socket: Socket, request: http.ClientRequest): void => {
      reuseSocket(socket, request);
      // The idle timer must not fire while the connection carries a request.
      socket.setTimeout(0);
      idleDeadlines.delete(socket);
    };
    agent.createConnection = (options, callback) =>
      this.#takeSpare(spareKey(options.host, options.port)) ?? this.#openConnection(options, callback);
  }

  /** Idle connections: in the pool, and opened ahead but not used yet (a hub may close those too). */
  idleSockets(): Socket[] {
    const pooled = Object.values(this.agent.freeSockets).flatMap((sockets) => sockets ?? []);
    return [...pooled, ...[...this.#spares.values()].flatMap((spares) => [...spares])];
  }

  /** Connections to `host:port` open or opening: carrying a request, idle, or set aside. */
  countOpen(host: string, port: number): number {
    const prefix = `${host}:${port}:`;
    const countIn = (pool: NodeJS.ReadOnlyDict<unknown[]>) =>
      Object.entries(pool)
        .filter(([name]) => name.startsWith(prefix))
        .reduce((total, [, sockets]) => total + (sockets?.length ?? 0), 0);
    return (
      countIn(this.agent.sockets) + countIn(this.agent.freeSockets) + (this.#spares.get(spareKey(host, port))?.size ?? 0)
    );
  }

  /** Opens a connection and sets it aside until the agent needs a new one. */
  openSpare(host: string, port: number, servername: string | undefined): void {
    const key = spareKey(host, port);
    const spare = this.#openConnection({
      host,
      port,
      ...(servername === undefined ? {} : { servername }),
      // As the agent opens its own (keepAlive, keepAliveMsecs).
      ...({ keepAlive: true, keepAliveInitialDelay: 1000 } as object),
    }) as Socket;
    spare.unref();
    spare.setTimeout(spareLifetimeMs);
    spare.once('timeout', destroySpare);
    // A spare nobody uses yet has nobody to tell of its failure: it just goes away.
    spare.on('error', () => undefined);
    spare.once('close', () => this.#spares.get(key)?.delete(spare));
    const spares = this.#spares.get(key) ?? new Set();
    spares.add(spare);
    this.#spares.set(key, spares);
  }

  #takeSpare(key: string): Socket | undefined {
    const spares = this.#spares.get(key);
    for (const spare of spares ?? []) {
      spares?.delete(spare);
      if (!spare.destroyed && spare.writable) {
        spare.removeListener('timeout', destroySpare);
        spare.setTimeout(0);
        spare.ref();
        return spare;
      }
    }
    return undefined;
  }
}

const httpPool = new HubPool(new http.Agent({ keepAlive: true, scheduling: 'lifo' }));
const httpsPool = new HubPool(new https.Agent({ keepAlive: true, scheduling: 'lifo' }));
const pools = [httpPool, httpsPool];

/** The agents every request to the hub goes through, in got's `agent` option shape. */
export const hubAgents: { readonly http: http.Agent; readonly https: https.Agent } = Object.freeze({
  http: httpPool.agent,
  https: httpsPool.agent,
});

/**
 * Call before each request: lets the event loop read what the servers sent on idle connections
 * (a close that has arrived but was not yet seen), then takes every idle connection that is
 * closed, closing or past its allowance out of the pool, so the request gets a live connection
 * or a new one.
 */
export const dropStaleConnections = async (): Promise<void> => {
  if (!pools.some((pool) => pool.idleSockets().length > 0)) {
    return;
  }
  // Two turns guarantee that the event loop polled the network once in between.
  await nextTurn();
  await nextTurn();
  const now = Date.now();
  for (const socket of pools.flatMap((pool) => pool.idleSockets())) {
    if (isStale(socket, now)) {
      // 'agentRemove' is how Node.js lets a socket leave its agent's pool.
      socket.emit('agentRemove');
      socket.destroy();
    }
  }
};

/**
 * Makes sure `count` connections to the URL's origin are open or opening, so that as many
 * requests sent at once later (the userinfo and the key set, after the token exchange) need no
 * handshake. Opens only what is missing; a connection nobody uses closes after
 * {@link spareLifetimeMs}.
 */
export const openConnectionsAhead = (url: URL, count: number): void => {
  const secure = url.protocol === 'https:';
  const pool = secure ? httpsPool : httpPool;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || (secure ? 443 : 80));
  // TLS sends the server name only for a name, never for an IP address.
  const servername = secure && isIP(host) === 0 ? host : undefined;
  for (let missing = count - pool.countOpen(host, port); missing > 0; missing--) {
    pool.openSpare(host, port, servername);
  }
};
