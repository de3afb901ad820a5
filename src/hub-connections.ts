/**
 * Connections to the hub, reused across sign-ins.
 *
 * Every new HTTPS connection costs a TLS handshake, a round trip before the first request. The
 * agents here keep an idle connection as long as the server's `Keep-Alive: timeout=N` hint
 * allows (less a safety margin), at most {@link maxIdleMs}, so a sign-in after a quiet minute
 * costs what a warm one does. An idle connection the server closed, or is about to close, is
 * dropped before a request could be written to it: a POST is never retried (it may have reached
 * the server), so it must never be sent on a connection that cannot carry it. A connection goes
 * back to the pool when its request is done, even when the answer came in full before the
 * request's last bytes were out (see {@link takeChargeOfConnection}).
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

/**
 * When each idle connection must stop being reused (epoch milliseconds): set whenever a connection
 * goes back to the pool, read only while it is there.
 */
const idleDeadlines = new WeakMap<Socket, number>();

/**
 * How long a server lets an idle connection live, from its `Keep-Alive` header
 * (`timeout=N` in seconds, in any position); `undefined` when it says nothing.
 */
const announcedIdleMs = (header: string | undefined): number | undefined => {
  const seconds = header ? /(?:^|[\s,;])timeout\s*=\s*(\d+)/i.exec(header)?.[1] : undefined;
  return seconds === undefined ? undefined : Number(seconds) * 1000;
};

/** What Node.js keeps on a request that the types do not show: its answer, once the headers are in. */
type RequestInternals = { res?: http.IncomingMessage };

/**
 * The `Keep-Alive` header of the response a socket just finished carrying (Node.js reads it there
 * too), as one text: Node.js joins repeated fields with `, ` (only `Set-Cookie` stays a list).
 */
const keepAliveHeaderOf = (socket: Socket): string | undefined =>
  (socket as { _httpMessage?: { res?: { headers: { 'keep-alive'?: string } } } })._httpMessage?.res?.headers['keep-alive'];

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

/**
 * True when a connection cannot carry a request any more, or will not for long enough. A socket
 * that is closed, failed or ending is not `writable`; nor is one that read the server's end, since
 * the agents' sockets do not stay half-open (Node.js ends their side in the same turn).
 */
const isStale = (socket: Socket, now: number): boolean =>
  !socket.writable || now >= (idleDeadlines.get(socket) ?? Number.POSITIVE_INFINITY);

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
    };
    agent.createConnection = (options, callback) =>
      this.#takeSpare(spareKey(options.host, options.port)) ?? this.#openConnection(options, callback);
  }

  /** Idle connections: in the pool, and opened ahead but not used yet (a hub may close those too). */
  *idleSockets(): Generator<Socket> {
    for (const name in this.agent.freeSockets) {
      yield* this.agent.freeSockets[name] ?? [];
    }
    for (const spares of this.#spares.values()) {
      yield* spares;
    }
  }

  /** Whether any connection is idle; asked before every request, so it allocates nothing. */
  hasIdleSockets(): boolean {
    for (const name in this.agent.freeSockets) {
      if (this.agent.freeSockets[name]?.length) {
        return true;
      }
    }
    for (const spares of this.#spares.values()) {
      if (spares.size > 0) {
        return true;
      }
    }
    return false;
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
    const spares = this.#spares.get(key) ?? new Set();
    this.#spares.set(key, spares);
    spares.add(spare);
    spare.once('close', () => spares.delete(spare));
  }

  #takeSpare(key: string): Socket | undefined {
    const spares = this.#spares.get(key) ?? new Set();
    for (const spare of spares) {
      spares.delete(spare);
      // A closed or closing connection is not writable.
      if (spare.writable) {
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
  if (!pools.some((pool) => pool.hasIdleSockets())) {
    return;
  }
  // Two turns guarantee that the event loop polled the network once in between.
  await nextTurn();
  await nextTurn();
  const now = Date.now();
  // Collected first: dropping a socket changes the lists being read.
  const stale: Socket[] = [];
  for (const pool of pools) {
    for (const socket of pool.idleSockets()) {
      if (isStale(socket, now)) {
        stale.push(socket);
      }
    }
  }
  for (const socket of stale) {
    // 'agentRemove' is how Node.js lets a socket leave its agent's pool.
    socket.emit('agentRemove');
    socket.destroy();
  }
};

/** A request's connection, as the transport hands it back to the pool. */
export type RequestConnection = {
  /** Settles once the connection is back in the pool or closed; at once when it already is, as it usually is once the answer is read. */
  released: () => Promise<void>;
  /** Closes the connection unless it is back in the pool already. */
  close: () => void;
};

const ignoreError = () => undefined;

/**
 * Takes charge of when a request's connection is given up; call it as soon as the request exists.
 *
 * A hub may answer in full before it has read all of a request, and on a fast link the answer can
 * be read before the request's last bytes were even reported written (over TLS, often). Node.js
 * then hands the connection back to the agent only once they are out (the request's `'finish'`),
 * and destroying the request in between closes the connection (got destroys it as soon as it has
 * the answer). Such a destroy is put off here: the request's last bytes go out and Node.js hands
 * the connection back as it always does. Anything else destroys the request as asked.
 */
export const takeChargeOfConnection = (request: http.ClientRequest): RequestConnection => {
  const destroy = request.destroy.bind(request);
  /** Set while a destroy is put off: settles when the request lets its connection go. */
  let lettingGo: Promise<unknown> | undefined;
  request.destroy = (error?: Error) => {
    const answer = (request as RequestInternals).res;
    if (error === undefined && request.shouldKeepAlive && answer?.complete === true && !request.writableFinished) {
      // Released to the agent, or closed: either way the request closes.
      lettingGo ??= new Promise((resolve) => request.once('close', resolve));
      // Nobody waits for this request any more: a failure while its last bytes go out only
      // closes the connection, which the agent then forgets.
      request.removeListener('error', ignoreError);
      request.on('error', ignoreError);
      return request;
    }
    return destroy(error);
  };
  return {
    released: async () => {
      await lettingGo;
    },
    close: () => {
      destroy();
    },
  };
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
  // `URL.hostname` keeps the brackets of an IPv6 literal, which a socket does not take.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = Number(url.port || (secure ? 443 : 80));
  // TLS sends the server name only for a name, never for an IP address.
  const servername = secure && isIP(host) === 0 ? host : undefined;
  for (let missing = count - pool.countOpen(host, port); missing > 0; missing--) {
    pool.openSpare(host, port, servername);
  }
};
