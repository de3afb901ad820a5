/**
 * The Hugging Face stand-in served as `https://huggingface.co`, so that the connector inside a
 * real Logto core meets it at its default hub URL: on port 443 of a loopback address with a
 * certificate from the throwaway CA run.mjs made (`REAL_LOGTO_TLS_DIR`), which core and the test
 * process trust (`NODE_EXTRA_CA_CERTS`); stand-in/resolve-hub.mjs resolves `huggingface.co` to
 * `BENCH_HF_ADDRESS` in both.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { hubResolverPreload, startHfStandIn, type StandIn, type StandInOptions } from '../../../stand-in/index.js';

/** A stand-in reachable as `https://huggingface.co`. */
export type Hub = StandIn & {
  /** Browser flags that send `huggingface.co` to it (pair with ignoring certificate errors). */
  chromiumArgs: string[];
  /** Variables that let core reach it as `https://huggingface.co`. */
  coreEnv: Record<string, string>;
};

/** Options of the stand-in, which here picks host, port, TLS and public URL itself. */
export type HubOptions = Omit<StandInOptions, 'host' | 'port' | 'tls' | 'publicUrl'>;

/**
 * Starts the stand-in on port 443 of the first of 127.0.0.1–8 where it is free (binding it needs
 * root or CAP_NET_BIND_SERVICE) and points this process's `huggingface.co` there.
 */
export async function startHub(options: HubOptions): Promise<Hub> {
  const dir = process.env.REAL_LOGTO_TLS_DIR;
  if (!dir || !existsSync(path.join(dir, 'ca.pem')) || !process.env.NODE_EXTRA_CA_CERTS) {
    throw new Error('No stand-in certificates: run the real-Logto suite with `npm run test:logto`.');
  }
  const tls = { key: readFileSync(path.join(dir, 'server-key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'server-cert.pem'), 'utf8') };
  const failures: string[] = [];
  for (let last = 1; last <= 8; last += 1) {
    const address = `127.0.0.${last}`;
    try {
      // eslint-disable-next-line no-await-in-loop -- the next address only when this one is taken
      const standIn = await startHfStandIn({ ...options, tls, publicUrl: 'https://huggingface.co', host: address, port: 443 });
      process.env.BENCH_HF_ADDRESS = address;
      return Object.assign(standIn, {
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
