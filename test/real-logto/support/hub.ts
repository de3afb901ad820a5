/**
 * The Hugging Face stand-in (stand-in/) served as `https://huggingface.co`, so
 * a connector with its default hub URL, inside a real Logto core, meets it.
 *
 * How the name reaches it: the stand-in listens on port 443 of a loopback address (127.0.0.1, or
 * the next of 127.0.0.2–8 that is free; binding 443 needs root or CAP_NET_BIND_SERVICE, which this
 * machine and CI have) with a certificate for `huggingface.co` from a throwaway CA. Core and the
 * test process start with `--import stand-in/resolve-hub.mjs`, which resolves `huggingface.co` to the
 * address in `BENCH_HF_ADDRESS`, and `NODE_EXTRA_CA_CERTS` naming the CA. `npm run test:logto`
 * (test/real-logto/run.mjs) makes the certificates and sets both for the test process.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { hubResolverPreload, startHfStandIn, type StandIn, type StandInOptions } from '../../../stand-in/index.js';

/** The hub URL Hugging Face really has; the connector's default. */
export const hubUrl = 'https://huggingface.co';

/** Where `npm run test:logto` put `ca.pem`, `server-key.pem` and `server-cert.pem`. */
function tlsDir(): string {
  const dir = process.env.REAL_LOGTO_TLS_DIR;
  if (!dir || !existsSync(path.join(dir, 'ca.pem')) || !process.env.NODE_EXTRA_CA_CERTS) {
    throw new Error('No stand-in certificates: run the real-Logto suite with `npm run test:logto`.');
  }
  return dir;
}

/** A stand-in reachable as {@link hubUrl}. */
export type Hub = StandIn & {
  /** The loopback address whose port 443 it holds. */
  address: string;
  /** Browser flags that send `huggingface.co` there (pair with ignoring certificate errors). */
  chromiumArgs: string[];
  /** Variables for core (`LogtoCore`'s `env`) so that core reaches the stand-in as {@link hubUrl}. */
  coreEnv: Record<string, string>;
};

/** Options of {@link startHub}: those of the stand-in, which picks host, port, TLS and public URL itself. */
export type HubOptions = Omit<StandInOptions, 'host' | 'port' | 'tls' | 'publicUrl'>;

/**
 * Starts the stand-in on port 443 of the first free address of 127.0.0.1–8 and points this
 * process's `huggingface.co` at it.
 *
 * @throws Error when no address has port 443 free, or the suite was not started by its runner.
 */
export async function startHub(options: HubOptions): Promise<Hub> {
  const dir = tlsDir();
  const tls = {
    key: readFileSync(path.join(dir, 'server-key.pem'), 'utf8'),
    cert: readFileSync(path.join(dir, 'server-cert.pem'), 'utf8'),
  };
  const failures: string[] = [];
  for (let last = 1; last <= 8; last += 1) {
    const address = `127.0.0.${last}`;
    try {
      // eslint-disable-next-line no-await-in-loop
      const standIn = await startHfStandIn({ ...options, tls, publicUrl: hubUrl, host: address, port: 443 });
      process.env.BENCH_HF_ADDRESS = address;
      return Object.assign(standIn, {
        address,
        chromiumArgs: [`--host-resolver-rules=MAP huggingface.co ${address}`],
        coreEnv: {
          NODE_OPTIONS: `--import=${pathToFileURL(hubResolverPreload).href}`,
          NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem'),
          BENCH_HF_ADDRESS: address,
        },
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? String(error);
      failures.push(`${address}:443 ${code}`);
      if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL') break;
    }
  }
  throw new Error(`The stand-in cannot listen on port 443 (${failures.join(', ')})`);
}
