/**
 * A load balancer without session affinity on loopback, in front of Logto's cores: each request
 * goes to the core its `x-core` header or the pin names, else to the next core in turn.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request passed on: to which core, and its answer's status. */
export type Served = { method: string; path: string; upstream: string; status: number };

/** A running {@link startProxy}. */
export type Proxy = {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Every request passed on, in order of its answer. */
  served: Served[];
  /** How many requests have arrived, answered or not. */
  readonly received: number;
  /** The cores that served each request whose path (without query) matches. */
  servedBy(pattern: RegExp): string[];
  close(): Promise<void>;
};

/**
 * Listens on an ephemeral port of 127.0.0.1; a core that does not answer gives a 502.
 *
 * @param pin - Names the core for a request (by method and path without query), or undefined.
 */
export async function startProxy(
  upstreams: ReadonlyArray<{ name: string; port: number }>,
  pin: (method: string, pathname: string) => string | undefined,
): Promise<Proxy> {
  const served: Served[] = [];
  let received = 0;
  const server = http.createServer((request, response) => {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const named = request.headers['x-core'] ?? pin(method, path.split('?')[0]!);
    const upstream = upstreams.find(({ name }) => name === named) ?? upstreams[received % upstreams.length]!;
    received += 1;
    const forwarded = http.request({ host: '127.0.0.1', port: upstream.port, method, path, headers: request.headers }, (answer) => {
      served.push({ method, path, upstream: upstream.name, status: answer.statusCode ?? 0 });
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', () => {
      served.push({ method, path, upstream: upstream.name, status: 502 });
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject).listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    served,
    get received() {
      return received;
    },
    servedBy: (pattern) => served.filter((entry) => pattern.test(entry.path.split('?')[0]!)).map((entry) => entry.upstream),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
