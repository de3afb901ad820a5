/**
 * A throwaway certificate authority and a server certificate for `huggingface.co`, made with the
 * openssl command line (Node.js can sign but not build X.509 certificates).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });

/** Absolute paths of the PEM files {@link createCertificates} writes. */
export type CertificateFiles = { caFile: string; keyFile: string; certFile: string };

/**
 * Writes `ca.pem`, `server-key.pem` and `server-cert.pem` into `dir` (the CA's private key
 * stays there too, and dies with the directory).
 *
 * @param dir - An empty temporary directory.
 * @param hostname - The name the server certificate is for.
 */
export function createCertificates(dir: string, hostname: string): CertificateFiles {
  writeFileSync(
    path.join(dir, 'server.ext'),
    [
      `subjectAltName=DNS:${hostname}`,
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
    ].join('\n'),
  );
  openssl(
    [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
      '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-subj', '/CN=connector-huggingface bench CA',
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', `/CN=${hostname}`],
    dir,
  );
  openssl(
    [
      'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-set_serial', '0x' + Date.now().toString(16),
      '-days', '2', '-sha256', '-extfile', 'server.ext', '-out', 'server-cert.pem',
    ],
    dir,
  );
  return {
    caFile: path.join(dir, 'ca.pem'),
    keyFile: path.join(dir, 'server-key.pem'),
    certFile: path.join(dir, 'server-cert.pem'),
  };
}
