/**
 * Small web helpers shared by the stand-in and the playground: HTML escaping and listening on a
 * loopback address with an error a person can act on when the port is taken.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const htmlReplacements: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML element content and quoted attribute values. `null` and `undefined`
 * become the empty string, numbers and booleans their text.
 */
export const escapeHtml = (value: string | number | boolean | null | undefined): string =>
  String(value ?? '').replace(/["&'<>]/g, (character) => htmlReplacements[character] ?? character);

/** Host names that reach this machine only, in the form they take inside a URL. */
const loopbackUrlHosts: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether `host` is a loopback interface a server may listen on: `localhost`, `::1` (bracketed or
 * not) or any `127.x.y.z` address.
 */
export const isLoopbackHost = (host: string): boolean =>
  /^(?:localhost|::1|\[::1\]|127(?:\.\d{1,3}){3})$/.test(host);

/**
 * The URL without its port when it is an `http` URL on a loopback host (`127.0.0.1`,
 * `localhost`, `[::1]`) without a fragment; `undefined` for any other URL or for text that is no
 * URL. Two redirect URIs that differ only in a loopback port give the same answer.
 */
export const loopbackUrlWithoutPort = (value: string): string | undefined => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || !loopbackUrlHosts.has(url.hostname) || value.includes('#')) {
    return undefined;
  }
  url.port = '';
  return url.href;
};

/** Thrown by {@link listenOnLoopback} when another process already listens on the port. */
export class PortInUseError extends Error {
  /** The port that was asked for. */
  readonly port: number;

  constructor(port: number, cause: unknown) {
    super(`port ${port} is in use, set PORT`, { cause });
    this.name = 'PortInUseError';
    this.port = port;
  }
}

/**
 * Starts `server` listening on a loopback interface and resolves with its `http(s)://host:port`
 * origin once it accepts connections.
 *
 * @param server - An `http` or `https` server that is not listening yet.
 * @param options.port - The port; 0 picks a free one.
 * @param options.host - A loopback host (see {@link isLoopbackHost}); default `127.0.0.1`.
 * @param options.protocol - The scheme of the returned origin; default `http`.
 * @throws TypeError when `host` is not a loopback host.
 * @throws PortInUseError when the port is taken; any other listen error as it is.
 */
export const listenOnLoopback = async (
  server: Server,
  { port, host = '127.0.0.1', protocol = 'http' }: { port: number; host?: string; protocol?: 'http' | 'https' },
): Promise<string> => {
  if (!isLoopbackHost(host)) {
    throw new TypeError(`Listen on loopback only, not on "${host}"`);
  }
  await new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, error) : error);
    };
    server.once('error', fail);
    server.listen(port, host.replace(/^\[(.*)\]$/, '$1'), () => {
      server.off('error', fail);
      resolve();
    });
  });
  const { port: actualPort } = server.address() as AddressInfo;
  const urlHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `${protocol}://${urlHost}:${actualPort}`;
};
