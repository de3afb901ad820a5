/**
 * A load balancer without session affinity, on loopback, in front of several Logto cores: each
 * HTTP request goes to the next core in turn, unless a rule names the core, so one sign-in is
 * served by more than one process as it can be behind a real balancer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A core behind the proxy. */
export type Upstream = {
  /** A name for the record of who served what, e.g. `A`. */
  name: string;
  /** The core's port on 127.0.0.1. */
  port: number;
};

/** One request the proxy passed on. */
export type Served = { method: string; path: string; upstream: string; status: number };

/** A running {@link startRoundRobinProxy}. */
export type RoundRobinProxy = {
  /** `http://127.0.0.1:<port>`: give it to every core as `ENDPOINT`. */
  url: string;
  /** Every request passed on so far, in order of its answer. */
  served: Served[];
  /** How many requests have arrived so far, answered or not. */
  readonly received: number;
  /** Stops listening and ends open connections. */
  close(): Promise<void>;
};

/**
 * Listens on an ephemeral port of 127.0.0.1 until {@link RoundRobinProxy.close}.
 *
 * @param upstreams - The cores, in turn.
 * @param pin - Names the upstream for a request (by method and path with query), or undefined to
 *   take the next in turn.
 * @returns The proxy; a core that does not answer gives a 502.
 */
export async function startRoundRobinProxy(
  upstreams: readonly Upstream[],
  pin: (method: string, path: string) => string | undefined = () => undefined,
): Promise<RoundRobinProxy> {
  if (upstreams.length === 0) throw new TypeError('The proxy needs at least one upstream');
  const served: Served[] = [];
  let turn = 0;
  const choose = (method: string, path: string): Upstream => {
    const named = pin(method, path);
    if (named !== undefined) {
      const found = upstreams.find((upstream) => upstream.name === named);
      if (!found) throw new TypeError(`No upstream named ${named}`);
      return found;
    }
    const next = upstreams[turn % upstreams.length]!;
    turn += 1;
    return next;
  };

  let received = 0;
  const server = http.createServer((request, response) => {
    received += 1;
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const upstream = choose(method, path);
    const forwarded = http.request(
      { host: '127.0.0.1', port: upstream.port, method, path, headers: request.headers },
      (answer) => {
        served.push({ method, path, upstream: upstream.name, status: answer.statusCode ?? 0 });
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => {
      served.push({ method, path, upstream: upstream.name, status: 502 });
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    get received() {
      return received;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
